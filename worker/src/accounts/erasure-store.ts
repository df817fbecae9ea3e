import { directoryAccounts, projectState, type ProjectState, type StateEnv } from '../shards'
import { ArchiveErasure, ERASE_OBJECTS_PER_CALL, type ArchiveProgress } from './erasure-archive-store'

/**
 * Erasure of an end user or a whole account (GDPR art. 17, CCPA right to delete), in bounded work per
 * call: every delete takes at most ERASE_CHUNK rows, a call runs at most `maxStatements` statements and reads
 * at most `maxObjects` archive objects, then reports `in_progress` so the caller repeats it. The R2 archive
 * goes first (it is where the user's anonymous ids are found; its progress is kept in R2, see
 * erasure-archive-store.ts), then D1; the users and accounts rows go last, so a repeated call always finds what
 * is left. Aggregates that counted the erased data (account scores, benchmarks) are recomputed by the next
 * scoring run from rollups that no longer hold it.
 */

export const ERASE_CHUNK = 2000
export const ERASE_STATEMENTS_PER_CALL = 40
/** A call must be able to confirm every step of one user empty and still delete something. */
const MIN_STATEMENTS_PER_CALL = 12
/** The same for an account, whose own steps (events twice, users, rollups, 8 tables, the row) take 15 statements. */
const MIN_ACCOUNT_STATEMENTS_PER_CALL = 16

export interface ErasureBudget {
  maxStatements?: number
  chunk?: number
  /** Archive objects read per call. */
  maxObjects?: number
}

/** Where erasure deletes: D1, a sharded project's shards and the raw-event archive. */
export interface ErasureEnv extends StateEnv {
  DB: D1Database
  RAW_EVENTS: R2Bucket
}

export interface ErasureResult {
  status: 'done' | 'in_progress'
  deleted: Record<string, number>
}

/** Primary key (or rowid) of each table erasure deletes from, for chunked `DELETE … WHERE key IN (SELECT key … LIMIT n)`. */
const KEYS: Record<string, string> = {
  events: 'rowid',
  user_days: '(project_id, user_id, day)',
  user_event_days: '(project_id, user_id, name, day)',
  user_feature_days: '(project_id, user_id, feature_key, day)',
  nudge_states: '(project_id, user_id, nudge_key)',
  user_scores: '(project_id, user_id)',
  user_contexts: '(project_id, user_id)',
  users: '(project_id, id)',
  account_scores: '(project_id, account_id)',
  account_score_snapshots: '(project_id, account_id, day)',
  account_alerts: 'rowid',
  account_notes: 'rowid',
  account_outcomes: 'rowid',
  accounts: '(project_id, id)',
  user_directory: '(project_id, user_id)',
}

const ROLLUPS = ['user_days', 'user_event_days', 'user_feature_days'] as const

class Eraser {
  statements = 0
  /** Set for a sharded project: user-grain rows live in its shards, `db` is D1. */
  state?: ProjectState
  readonly deleted: Record<string, number> = {}
  readonly maxStatements: number
  readonly chunk: number
  readonly maxObjects: number

  constructor(
    readonly db: D1Database,
    readonly projectId: string,
    budget: ErasureBudget,
    minStatements = MIN_STATEMENTS_PER_CALL,
  ) {
    this.maxStatements = Math.max(budget.maxStatements ?? ERASE_STATEMENTS_PER_CALL, minStatements)
    this.chunk = budget.chunk ?? ERASE_CHUNK
    this.maxObjects = Math.max(budget.maxObjects ?? ERASE_OBJECTS_PER_CALL, 1)
  }

  get exhausted() {
    return this.statements >= this.maxStatements
  }

  /** Deletes `table` rows matching `where` (?1 is the project) chunk by chunk, in `db` (D1 unless a shard is named); true once none is left. */
  async drain(table: keyof typeof KEYS, where: string, ...binds: unknown[]): Promise<boolean> {
    return this.drainIn(this.db, table, where, ...binds)
  }

  async drainIn(db: D1Database, table: keyof typeof KEYS, where: string, ...binds: unknown[]): Promise<boolean> {
    for (;;) {
      if (this.exhausted) return false
      this.statements++
      const res = await this.deleteChunk(db, table, where, ...binds).run()
      this.count(table, res.meta.changes)
      if (res.meta.changes < this.chunk) return true
    }
  }

  /** One chunk's DELETE of `table` rows matching `where` (?1 the project, the chunk bound last). */
  deleteChunk(db: D1Database, table: keyof typeof KEYS, where: string, ...binds: unknown[]): D1PreparedStatement {
    const key = KEYS[table]
    return db
      .prepare(
        `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key.replace(/[()]/g, '')} FROM ${table} WHERE project_id = ?1 AND ${where} LIMIT ?${binds.length + 2})`,
      )
      .bind(this.projectId, ...binds, this.chunk)
  }

  count(table: string, n: number) {
    this.deleted[table] = (this.deleted[table] ?? 0) + n
  }

  /** Values of one column over the rows matching `where`, at most `limit` (one statement). */
  async pick(sql: string, ...binds: unknown[]): Promise<string[]> {
    this.statements++
    const { results } = await this.db
      .prepare(sql)
      .bind(this.projectId, ...binds)
      .all<{ v: string }>()
    return results.map((r) => r.v)
  }

  result(done: boolean): ErasureResult {
    return { status: done ? 'done' : 'in_progress', deleted: this.deleted }
  }
}

/** What D1 holds about one user (its archive lines are gone already); false when the budget ran out first. */
async function eraseUserRows(e: Eraser, userId: string, anonymousIds: string[]): Promise<boolean> {
  // hot system events sent before sign-in carry only the anonymous id, found in the user's archived lines
  const anonymous = 'user_id IS NULL AND anonymous_id IN (SELECT value FROM json_each(?2))'
  if (anonymousIds.length && !(await e.drain('events', anonymous, JSON.stringify(anonymousIds)))) return false
  if (!(await e.drain('events', 'user_id = ?2', userId))) return false
  for (const table of ROLLUPS) if (!(await e.drain(table, 'user_id = ?2', userId))) return false
  for (const table of ['nudge_states', 'user_scores', 'user_contexts'] as const)
    if (!(await e.drain(table, 'user_id = ?2', userId))) return false
  return e.drain('users', 'id = ?2', userId)
}

export async function eraseUser(env: ErasureEnv, projectId: string, userId: string, budget: ErasureBudget = {}): Promise<ErasureResult> {
  const state = await projectState(env, projectId)
  if (state.sharded) return eraseShardedUser(env, state, userId, budget)
  const e = new Eraser(env.DB, projectId, budget)
  const archive = await ArchiveErasure.open(env.RAW_EVENTS, projectId, 'user', userId)
  if (!archive.progress) {
    // ingest upserts a users row for every user id it stores: without one (and no erasure under way) nothing is held
    if (!(await e.pick('SELECT id AS v FROM users WHERE project_id = ?1 AND id = ?2', userId)).length) return e.result(true)
    archive.begin([])
  }
  if (!(await archive.walk(e, { userIds: [userId], accountId: null }, e.maxObjects))) return e.result(false)
  if (!(await eraseUserRows(e, userId, archive.progress!.anonymousIds))) return e.result(false)
  await archive.end()
  return e.result(true)
}

/** The account, its users (everything about them) and what other users did inside it. */
export async function eraseAccount(
  env: ErasureEnv,
  projectId: string,
  accountId: string,
  budget: ErasureBudget = {},
): Promise<ErasureResult> {
  const state = await projectState(env, projectId)
  if (state.sharded) return eraseShardedAccount(env, state, accountId, budget)
  const e = new Eraser(env.DB, projectId, budget, MIN_ACCOUNT_STATEMENTS_PER_CALL)
  const archive = await ArchiveErasure.open(env.RAW_EVENTS, projectId, 'account', accountId)
  if (!archive.progress) {
    // every event sent inside an account upserts its row: without one (and no erasure under way) nothing is held
    if (!(await e.pick('SELECT id AS v FROM accounts WHERE project_id = ?1 AND id = ?2', accountId)).length) return e.result(true)
    // its users now: their lines go wherever they were sent (one walk for all of them)
    archive.begin(await e.pick('SELECT id AS v FROM users WHERE project_id = ?1 AND account_id = ?2', accountId))
  }
  const progress = archive.progress!
  if (!(await archive.walk(e, { userIds: progress.members, accountId }, e.maxObjects))) return e.result(false)
  if (!(await eraseAccountRows(e, accountId, progress.anonymousIds))) return e.result(false)
  await archive.end()
  return e.result(true)
}

async function eraseAccountRows(e: Eraser, accountId: string, anonymousIds: string[]): Promise<boolean> {
  // hot system events: the members' anonymous ones, and anyone's inside the account (their rollups were
  // adjusted from the archive lines, which hold the same events)
  const anonymous = 'user_id IS NULL AND anonymous_id IN (SELECT value FROM json_each(?2))'
  if (anonymousIds.length && !(await e.drain('events', anonymous, JSON.stringify(anonymousIds)))) return false
  if (!(await e.drain('events', 'account_id = ?2', accountId))) return false
  // current members: erased entirely (the users row goes last, so a repeated call finds the rest)
  for (;;) {
    const members = await e.pick('SELECT id AS v FROM users WHERE project_id = ?1 AND account_id = ?2 LIMIT 50', accountId)
    if (!members.length) break
    for (const user of members) if (!(await eraseUserRows(e, user, []))) return false
  }
  for (const table of ROLLUPS) if (!(await e.drain(table, 'account_id = ?2', accountId))) return false
  for (const table of [
    'nudge_states',
    'user_scores',
    'user_contexts',
    'account_scores',
    'account_score_snapshots',
    'account_notes',
    'account_alerts',
    'account_outcomes',
  ] as const) {
    if (!(await e.drain(table, 'account_id = ?2', accountId))) return false
  }
  return e.drain('accounts', 'id = ?2', accountId)
}

// ---- sharded projects (ARCHITECTURE.md §11): user-grain rows in the shards, account grain and the directory in D1 ----

/** Shards erased in parallel at most per round (each one batch, one Durable Object request). */
const SHARD_FANOUT = 8
const USERS_IN = 'user_id IN (SELECT value FROM json_each(?2))'

/**
 * One bounded batch on one shard: a chunk of every user-grain table of these users (and of their anonymous hot
 * events); true when every delete came back short of a chunk, i.e. the shard holds none of them any more.
 */
async function eraseUsersOnShard(e: Eraser, shard: D1Database, userIds: string[], anonymousIds: string[]): Promise<boolean> {
  const users = JSON.stringify(userIds)
  const steps: [keyof typeof KEYS, D1PreparedStatement][] = []
  if (anonymousIds.length)
    steps.push([
      'events',
      e.deleteChunk(shard, 'events', 'user_id IS NULL AND anonymous_id IN (SELECT value FROM json_each(?2))', JSON.stringify(anonymousIds)),
    ])
  for (const table of ['events', ...ROLLUPS, 'nudge_states', 'user_scores', 'user_contexts'] as const)
    steps.push([table, e.deleteChunk(shard, table, USERS_IN, users)])
  steps.push(['users', e.deleteChunk(shard, 'users', 'id IN (SELECT value FROM json_each(?2))', users)])
  e.statements++
  const results = await shard.batch(steps.map(([, s]) => s))
  results.forEach((r, i) => e.count(steps[i][0], r.meta.changes))
  return results.every((r) => r.meta.changes < e.chunk)
}

/**
 * These users' rows on every shard (one who moved accounts left rows under the old one's shard): shards in index
 * order, up to SHARD_FANOUT at once, each until empty; `p.shard` keeps how far a call got. False: budget ran out.
 */
async function eraseUsersOnEveryShard(e: Eraser, p: ArchiveProgress, userIds: string[], anonymousIds: string[]): Promise<boolean> {
  if (!userIds.length && !anonymousIds.length) return true
  return onEveryShard(e, p, 'shard', (shard) => eraseUsersOnShard(e, shard, userIds, anonymousIds))
}

/** `step` on every shard from `p[progress]` on, up to SHARD_FANOUT at once, each until it reports empty; false: budget ran out. */
async function onEveryShard(
  e: Eraser,
  p: ArchiveProgress,
  progress: 'shard' | 'carriedShard',
  step: (shard: D1Database) => Promise<boolean>,
): Promise<boolean> {
  const state = e.state!
  for (let next = p[progress] ?? 0; next < state.shards;) {
    if (e.exhausted) return false
    const width = Math.max(1, Math.min(SHARD_FANOUT, e.maxStatements - e.statements, state.shards - next))
    const done = await Promise.all(Array.from({ length: width }, (_, i) => step(state.shard(next + i))))
    // shards before the first unfinished one are done for good (their rows are not written back meanwhile)
    const finished = done.indexOf(false)
    next += finished === -1 ? width : finished
    p[progress] = next
  }
  return true
}

/** One bounded batch on one shard: nudge states and user scores under the account (a moved-out member carries theirs along). */
async function eraseCarriedOnShard(e: Eraser, shard: D1Database, accountId: string): Promise<boolean> {
  const tables = ['nudge_states', 'user_scores'] as const
  e.statements++
  const results = await shard.batch(tables.map((t) => e.deleteChunk(shard, t, 'account_id = ?2', accountId)))
  results.forEach((r, i) => e.count(tables[i], r.meta.changes))
  return results.every((r) => r.meta.changes < e.chunk)
}

async function eraseShardedUser(env: ErasureEnv, state: ProjectState, userId: string, budget: ErasureBudget): Promise<ErasureResult> {
  const e = new Eraser(env.DB, state.projectId, budget)
  e.state = state
  const archive = await ArchiveErasure.open(env.RAW_EVENTS, state.projectId, 'user', userId)
  if (!archive.progress) {
    // the directory knows every user ingest stored; without it, any shard's users row (nothing: nothing is held)
    e.statements++
    const known =
      (await directoryAccounts(env.DB, state.projectId, [userId])).has(userId) ||
      (
        await Promise.all(
          state
            .all()
            .map(({ db }) => db.prepare('SELECT id FROM users WHERE project_id = ?1 AND id = ?2').bind(state.projectId, userId).first()),
        )
      ).some((r) => r !== null)
    if (!known) return e.result(true)
    archive.begin([])
  }
  const p = archive.progress!
  if (!(await archive.walk(e, { userIds: [userId], accountId: null }, e.maxObjects))) return e.result(false)
  const done = (await eraseUsersOnEveryShard(e, p, [userId], p.anonymousIds)) && (await e.drain('user_directory', 'user_id = ?2', userId))
  if (!done) {
    await archive.save()
    return e.result(false)
  }
  await archive.end()
  return e.result(true)
}

/** An account's users: its shard's users rows under it that the directory (D1) does not place elsewhere (moved out: they stay). */
async function shardMembers(e: Eraser, accountId: string): Promise<string[]> {
  const state = e.state!
  e.statements++
  const { results } = await state
    .forAccount(accountId)
    .prepare('SELECT id FROM users WHERE project_id = ?1 AND account_id = ?2')
    .bind(state.projectId, accountId)
    .all<{ id: string }>()
  const where = await directoryAccounts(
    e.db,
    state.projectId,
    results.map((r) => r.id),
  )
  return results.map((r) => r.id).filter((id) => !where.has(id) || where.get(id) === accountId)
}

async function eraseShardedAccount(env: ErasureEnv, state: ProjectState, accountId: string, budget: ErasureBudget): Promise<ErasureResult> {
  const e = new Eraser(env.DB, state.projectId, budget, MIN_ACCOUNT_STATEMENTS_PER_CALL)
  e.state = state
  const archive = await ArchiveErasure.open(env.RAW_EVENTS, state.projectId, 'account', accountId)
  if (!archive.progress) {
    if (!(await e.pick('SELECT id AS v FROM accounts WHERE project_id = ?1 AND id = ?2', accountId)).length) return e.result(true)
    archive.begin(await shardMembers(e, accountId))
  }
  const p = archive.progress!
  if (!(await archive.walk(e, { userIds: p.members, accountId }, e.maxObjects))) return e.result(false)
  if (!(await eraseShardedAccountRows(e, p, accountId))) {
    await archive.save()
    return e.result(false)
  }
  await archive.end()
  return e.result(true)
}

async function eraseShardedAccountRows(e: Eraser, p: ArchiveProgress, accountId: string): Promise<boolean> {
  const state = e.state!
  // users who joined since the walk began are erased too (as the unsharded drain of current members does): from the first shard again
  const now = await shardMembers(e, accountId)
  const joined = now.filter((u) => !p.members.includes(u))
  if (joined.length) {
    p.members.push(...joined)
    p.shard = 0
  }
  // the members everywhere, with the anonymous ids found in the archive
  if (!(await eraseUsersOnEveryShard(e, p, p.members, p.anonymousIds))) return false
  // anyone's rows inside the account live in its shard (their rollups were adjusted from the archive lines)
  const shard = state.forAccount(accountId)
  if (!(await e.drainIn(shard, 'events', 'account_id = ?2', accountId))) return false
  for (const table of [...ROLLUPS, 'user_contexts'] as const)
    if (!(await e.drainIn(shard, table, 'account_id = ?2', accountId))) return false
  // nudge states and last scores keep their account when ingest carries a moving user to a new shard: every shard
  if (!(await onEveryShard(e, p, 'carriedShard', (db) => eraseCarriedOnShard(e, db, accountId)))) return false
  // D1: the account grain, the members' directory rows, and the account row last
  for (const table of ['account_scores', 'account_score_snapshots', 'account_notes', 'account_alerts', 'account_outcomes'] as const)
    if (!(await e.drain(table, 'account_id = ?2', accountId))) return false
  if (p.members.length && !(await e.drain('user_directory', USERS_IN, JSON.stringify(p.members)))) return false
  return e.drain('accounts', 'id = ?2', accountId)
}
