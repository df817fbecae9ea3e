import { ApiError } from '../http/errors'
import { isolateCache } from '../lib/isolate-cache'
import type { AccountShard } from './account-shard'
import { accountShardStub, shardDatabase } from './shard-database'
import { shardKeyOf, shardOf } from './shard-of'

/**
 * Where a project's user-grain state lives (ARCHITECTURE.md §11 "Sharded state"): `users`, `user_days`,
 * `user_event_days`, `user_feature_days`, `user_scores`, `nudge_states`, `user_contexts`, `event_ids`, the hot
 * `events`, `dedupe_purge_cursors` and the re-tag generations `archive_tag_versions`. With one shard (the default)
 * every one of them is the main D1 (`control`), exactly as before; with N > 1 they live in N AccountShard Durable
 * Objects, split by `shardOf(shardKeyOf(account, user), N)`. Account-grain tables (`accounts`, scores, snapshots,
 * alerts, notes, outcomes, benchmarks) and the control plane stay in `control` either way.
 */
export interface ProjectState {
  readonly projectId: string
  /** The main D1: control plane and the account-grain read model. */
  readonly control: D1Database
  /** N, a power of two; 1 = not sharded (`shard(0) === control`). */
  readonly shards: number
  readonly sharded: boolean
  /** The database holding shard `index` (0 ≤ index < shards). */
  shard(index: number): D1Database
  /** The shard index of an account (or of a user without one). */
  indexOf(accountId: string | null | undefined, userId: string): number
  /** The database holding the state of an account's users (or of a user without an account). */
  forUser(accountId: string | null | undefined, userId: string): D1Database
  /** The database holding an account's users (`forUser` for an account id). */
  forAccount(accountId: string): D1Database
  /** Every shard, in index order (`[{ index: 0, db: control }]` when not sharded). */
  all(): { index: number; db: D1Database }[]
  /** `items` grouped by shard, in index order, only shards that got items; order kept inside a group. */
  split<T>(
    items: readonly T[],
    where: (item: T) => { accountId: string | null | undefined; userId: string },
  ): { index: number; db: D1Database; items: T[] }[]
}

export type StateEnv = { DB: D1Database; ACCOUNT_SHARDS?: DurableObjectNamespace<AccountShard> }

// N is fixed when the project is created, so an isolate may keep it (the TTL only bounds memory of deleted projects)
const shardCounts = isolateCache<number>(10 * 60_000)

/** A project's state layout. N > 1 without the ACCOUNT_SHARDS binding is a 503 (misconfigured deployment), never a silent write to D1. */
export async function projectState(env: StateEnv, projectId: string): Promise<ProjectState> {
  const shards = await shardCounts.get(projectId, async () => {
    const n = await env.DB.prepare('SELECT state_shards FROM projects WHERE id = ?1').bind(projectId).first<number>('state_shards')
    return n ?? 1
  })
  return stateLayout(env, projectId, shards)
}

/** The layout for a known N (tests and the project creation route use it without a read). */
export function stateLayout(env: StateEnv, projectId: string, shards: number): ProjectState {
  const control = env.DB
  const dbs = new Map<number, D1Database>()
  const shard = (index: number): D1Database => {
    if (!Number.isInteger(index) || index < 0 || index >= shards) throw new RangeError(`shard ${index} of ${shards}`)
    if (shards === 1) return control
    let db = dbs.get(index)
    if (!db) {
      if (!env.ACCOUNT_SHARDS)
        throw new ApiError(503, 'shards_unavailable', 'This project keeps its state in account shards, but ACCOUNT_SHARDS is not bound')
      db = shardDatabase(accountShardStub(env.ACCOUNT_SHARDS, projectId, index, shards))
      dbs.set(index, db)
    }
    return db
  }
  const indexOf = (accountId: string | null | undefined, userId: string) =>
    shards === 1 ? 0 : shardOf(shardKeyOf(accountId, userId), shards)
  return {
    projectId,
    control,
    shards,
    sharded: shards > 1,
    shard,
    indexOf,
    forUser: (accountId, userId) => shard(indexOf(accountId, userId)),
    forAccount: (accountId) => shard(indexOf(accountId, '')),
    all: () => Array.from({ length: shards }, (_, index) => ({ index, db: shard(index) })),
    split(items, where) {
      const groups = new Map<number, (typeof items)[number][]>()
      for (const item of items) {
        const { accountId, userId } = where(item)
        const index = indexOf(accountId, userId)
        const group = groups.get(index)
        if (group) group.push(item)
        else groups.set(index, [item])
      }
      return [...groups.keys()].sort((a, b) => a - b).map((index) => ({ index, db: shard(index), items: groups.get(index)! }))
    },
  }
}

/** Forgets a cached N (tests that re-create a project id; project deletion). */
export function forgetStateShards(projectId: string): void {
  shardCounts.forget(projectId)
}

/**
 * The account each user's state lives under, from the directory (migration 0026), for the users it knows. A user
 * absent from the map has never been written in this project. Unsharded projects keep no directory: read `users`.
 */
export async function directoryAccounts(
  db: D1Database,
  projectId: string,
  userIds: readonly string[],
): Promise<Map<string, string | null>> {
  const found = new Map<string, string | null>()
  const unique = [...new Set(userIds)]
  // bounded JSON parameter per statement (D1 allows 100 KB statements; ids are ≤ 256 chars)
  for (let i = 0; i < unique.length; i += 500) {
    const { results } = await db
      .prepare('SELECT user_id, account_id FROM user_directory WHERE project_id = ?1 AND user_id IN (SELECT value FROM json_each(?2))')
      .bind(projectId, JSON.stringify(unique.slice(i, i + 500)))
      .all<{ user_id: string; account_id: string | null }>()
    for (const r of results) found.set(r.user_id, r.account_id)
  }
  return found
}

/**
 * Statements that record where users' state lives; a row is rewritten only when the account changed (0 rows otherwise).
 * An account is never replaced by none: Segment has no "ungroup", so a write without one raced a `group()` (two
 * consumer invocations that both read an empty directory) and must not send the user's later events to `user:<id>`.
 */
export function recordDirectory(
  db: D1Database,
  projectId: string,
  entries: readonly { userId: string; accountId: string | null }[],
  now: number,
): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = []
  for (let i = 0; i < entries.length; i += 500) {
    const rows = entries.slice(i, i + 500).map((e) => [e.userId, e.accountId])
    statements.push(
      db
        .prepare(
          `INSERT INTO user_directory (project_id, user_id, account_id, updated_at)
           SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?3 FROM json_each(?2) WHERE true
           ON CONFLICT (project_id, user_id) DO UPDATE SET account_id = excluded.account_id, updated_at = excluded.updated_at
           WHERE account_id IS NOT excluded.account_id AND excluded.account_id IS NOT NULL`,
        )
        .bind(projectId, JSON.stringify(rows), now),
    )
  }
  return statements
}

/**
 * Where an event's counts and dedupe key live, as `split`'s key: the account it is counted under, else its user, else
 * (no user) its anonymous id, else its message id. The consumer, re-tagging and erasure route every event through this.
 */
export function eventRoute(e: {
  accountId: string | null | undefined
  userId: string | null | undefined
  anonymousId: string | null | undefined
  messageId: string
}): { accountId: string | null | undefined; userId: string } {
  return { accountId: e.accountId, userId: e.userId ?? e.anonymousId ?? e.messageId }
}

/** The shard of an archived line (snake_case, `shared/archive.ts`): the line carries the account it was counted under. */
export function lineShard(
  state: ProjectState,
  line: { account_id: string | null; user_id: string | null; anonymous_id: string | null; message_id: string },
): number {
  const { accountId, userId } = eventRoute({
    accountId: line.account_id,
    userId: line.user_id,
    anonymousId: line.anonymous_id,
    messageId: line.message_id,
  })
  return state.indexOf(accountId, userId)
}
