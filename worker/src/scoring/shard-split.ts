import { shardKeyOf, shardOf } from '../shards/shard-of'

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
