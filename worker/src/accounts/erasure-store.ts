import { ArchiveErasure, ERASE_OBJECTS_PER_CALL } from './erasure-archive-store'

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

/** Where erasure deletes: D1 and the raw-event archive. */
export interface ErasureEnv {
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
}

const ROLLUPS = ['user_days', 'user_event_days', 'user_feature_days'] as const

class Eraser {
  statements = 0
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

  /** Deletes `table` rows matching `where` (?1 is the project) chunk by chunk; true once none is left. */
  async drain(table: keyof typeof KEYS, where: string, ...binds: unknown[]): Promise<boolean> {
    const key = KEYS[table]
    const limit = `?${binds.length + 2}`
    for (;;) {
      if (this.exhausted) return false
      this.statements++
      const res = await this.db
        .prepare(
          `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key.replace(/[()]/g, '')} FROM ${table} WHERE project_id = ?1 AND ${where} LIMIT ${limit})`,
        )
        .bind(this.projectId, ...binds, this.chunk)
        .run()
      this.count(table, res.meta.changes)
      if (res.meta.changes < this.chunk) return true
    }
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
