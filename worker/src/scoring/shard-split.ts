import { shardKeyOf, shardOf } from '../shards/shard-of'

/** Projects with more accounts than this are scored shard by shard (each shard's inputs alone in memory). */
export const SHARDED_SCORING_MIN_ACCOUNTS = 5_000
/** Account shards a large project's scoring is split into at least (the shard key is `shardOf`, shared with the state shards). */
export const SCORING_SHARDS = 8
/**
 * At most this many accounts per shard: a shard's pass 2 holds ~700 rollup rows per account in memory (872k rows at
 * 1,250 accounts, BENCHMARKS.md), so larger projects get more shards rather than larger ones.
 */
export const MAX_SCORING_SHARD_ACCOUNTS = 1_250

/** Shards a project of `accounts` accounts is scored in: 1 (one pass) up to `minAccounts`, else at least `shards`. Pure. */
export const scoringShardsFor = (accounts: number, minAccounts = SHARDED_SCORING_MIN_ACCOUNTS, shards = SCORING_SHARDS) =>
  accounts > minAccounts ? Math.max(shards, Math.ceil(accounts / MAX_SCORING_SHARD_ACCOUNTS)) : 1

/**
 * Scoring shards for a project whose state is in `stateShards` shards: a multiple of them, so that each scoring shard's
 * keys live in exactly one state shard (`shardOf(k, m·N) mod N = shardOf(k, N)`) and its passes read and write one
 * Durable Object. Pure.
 */
export const alignedShards = (scoringShards: number, stateShards: number) =>
  stateShards > 1 ? Math.ceil(scoringShards / stateShards) * stateShards : scoringShards

/** The keys of one shard: its accounts, and the users with no account that `shardOf("user:<id>")` puts there. */
export interface ShardKeys {
  accountIds: string[]
  looseUserIds: string[]
}

/** The project's accounts and account-less users split by `shardOf` into `shards` key sets. Pure. */
export function splitByShard(accountIds: Iterable<string>, looseUserIds: Iterable<string>, shards: number): ShardKeys[] {
  const out = Array.from({ length: shards }, (): ShardKeys => ({ accountIds: [], looseUserIds: [] }))
  for (const id of accountIds) out[shardOf(id, shards)].accountIds.push(id)
  for (const id of looseUserIds) out[shardOf(shardKeyOf(null, id), shards)].looseUserIds.push(id)
  return out
}
