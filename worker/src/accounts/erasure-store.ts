import { DAY_MS, dayOf } from '../lib/days'
import { rebuildPairsStatements } from '../features'

/**
 * Erasure of an end user or a whole account (GDPR art. 17, CCPA right to delete), in bounded work per
 * call: every delete takes at most ERASE_CHUNK rows and a call runs at most `maxStatements` statements,
 * then reports `in_progress` so the caller repeats it. Rows that lead to others (the user's events before
 * its anonymous ones are found, the users and accounts rows) go last, so a repeated call always finds
 * what is left. Aggregates that counted the erased data (account scores, benchmarks) are recomputed by the
 * next scoring run from rollups that no longer hold it.
 */

export const ERASE_CHUNK = 2000
export const ERASE_STATEMENTS_PER_CALL = 40
/** A call must be able to confirm every step of one user empty and still delete something. */
const MIN_STATEMENTS_PER_CALL = 12
/** The same for an account, whose own steps (users, events, rollups, 7 tables, the row) take 13 statements. */
const MIN_ACCOUNT_STATEMENTS_PER_CALL = 14

export interface ErasureBudget {
  maxStatements?: number
  chunk?: number
}

export interface ErasureResult {
  status: 'done' | 'in_progress'
  deleted: Record<string, number>
}

/** Primary key (or rowid) of each table erasure deletes from, for chunked `DELETE … WHERE key IN (SELECT key … LIMIT n)`. */
const KEYS: Record<string, string> = {
  events: 'rowid',
  event_dedupe: '(project_id, message_id)',
  user_days: '(project_id, user_id, day)',
  user_event_days: '(project_id, user_id, name, day)',
  user_feature_days: '(project_id, user_id, feature_key, day)',
  nudge_states: '(project_id, user_id, nudge_key)',
  user_scores: '(project_id, user_id)',
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
  private dedupe: Promise<{ byUser: boolean } | null> | undefined

  readonly maxStatements: number
  readonly chunk: number

  constructor(
    readonly db: D1Database,
    readonly projectId: string,
    budget: ErasureBudget,
    minStatements = MIN_STATEMENTS_PER_CALL,
  ) {
    this.maxStatements = Math.max(budget.maxStatements ?? ERASE_STATEMENTS_PER_CALL, minStatements)
    this.chunk = budget.chunk ?? ERASE_CHUNK
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

  /** One statement under the budget. */
  run(statement: D1PreparedStatement) {
    this.statements++
    return statement.all()
  }

  /** Several statements in one transaction, each counted against the budget. */
  batch(statements: D1PreparedStatement[]) {
    this.statements += statements.length
    return this.db.batch(statements)
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

  /**
   * The dedupe keys table of ingest (added by another migration), if this database has one: erased by
   * user when it records the user, else by the message ids of the user's raw events.
   */
  dedupeTable() {
    this.dedupe ??= this.db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'event_dedupe'")
      .first<string>('sql')
      .then((sql) => (sql && /\bproject_id\b/.test(sql) && /\bmessage_id\b/.test(sql) ? { byUser: /\buser_id\b/.test(sql) } : null))
    return this.dedupe
  }

  result(done: boolean): ErasureResult {
    return { status: done ? 'done' : 'in_progress', deleted: this.deleted }
  }
}

/** Everything stored about one user; false when the budget ran out first. */
async function eraseUserRows(e: Eraser, userId: string): Promise<boolean> {
  // events sent before identify carry only the anonymous id: found through the user's own events, so first
  const anonymousIds = await e.pick(
    'SELECT DISTINCT anonymous_id AS v FROM events WHERE project_id = ?1 AND user_id = ?2 AND anonymous_id IS NOT NULL LIMIT 100',
    userId,
  )
  if (
    anonymousIds.length &&
    !(await e.drain('events', 'user_id IS NULL AND anonymous_id IN (SELECT value FROM json_each(?2))', JSON.stringify(anonymousIds)))
  )
    return false
  const dedupe = await e.dedupeTable()
  if (dedupe?.byUser && !(await e.drain('event_dedupe', 'user_id = ?2', userId))) return false
  if (dedupe && !dedupe.byUser) {
    const where = 'message_id IN (SELECT message_id FROM events WHERE project_id = ?1 AND user_id = ?2)'
    if (!(await e.drain('event_dedupe', where, userId))) return false
  }
  if (!(await e.drain('events', 'user_id = ?2', userId))) return false
  for (const table of ROLLUPS) if (!(await e.drain(table, 'user_id = ?2', userId))) return false
  if (!(await e.drain('nudge_states', 'user_id = ?2', userId))) return false
  if (!(await e.drain('user_scores', 'user_id = ?2', userId))) return false
  return e.drain('users', 'id = ?2', userId)
}

export async function eraseUser(db: D1Database, projectId: string, userId: string, budget: ErasureBudget = {}): Promise<ErasureResult> {
  const e = new Eraser(db, projectId, budget)
  return e.result(await eraseUserRows(e, userId))
}

/** The account, its users (everything about them) and what other users did inside it. */
export async function eraseAccount(
  db: D1Database,
  projectId: string,
  accountId: string,
  budget: ErasureBudget = {},
): Promise<ErasureResult> {
  const e = new Eraser(db, projectId, budget, MIN_ACCOUNT_STATEMENTS_PER_CALL)
  return e.result(await eraseAccountRows(e, accountId))
}

async function eraseAccountRows(e: Eraser, accountId: string): Promise<boolean> {
  // current members: erased entirely (the users row goes last, so a repeated call finds the rest)
  for (;;) {
    const members = await e.pick('SELECT id AS v FROM users WHERE project_id = ?1 AND account_id = ?2 LIMIT 50', accountId)
    if (!members.length) break
    for (const user of members) if (!(await eraseUserRows(e, user))) return false
  }
  // what anyone else did inside the account (users since moved elsewhere, anonymous visitors): no index
  // leads with the account, so this scans the project's raw events, once per chunk
  for (;;) {
    if (e.exhausted) return false
    const { results } = await e.run(
      e.db
        .prepare('SELECT rowid, user_id, ts FROM events WHERE project_id = ?1 AND account_id = ?2 LIMIT ?3')
        .bind(e.projectId, accountId, e.chunk),
    )
    const rows = results as { rowid: number; user_id: string | null; ts: number }[]
    if (!rows.length) break
    // their rollups for those days are recomputed from what remains (their use of other accounts)
    const pairs = new Map<string, [string, number, number]>()
    for (const r of rows) {
      const start = Date.parse(dayOf(r.ts))
      if (r.user_id !== null) pairs.set(`${r.user_id}\u0000${start}`, [r.user_id, start, start + DAY_MS])
    }
    const deleted = await e.batch([
      e.db
        .prepare('DELETE FROM events WHERE rowid IN (SELECT value FROM json_each(?2)) AND project_id = ?1')
        .bind(e.projectId, JSON.stringify(rows.map((r) => r.rowid))),
      ...(pairs.size ? rebuildPairsStatements(e.db, e.projectId, [...pairs.values()]) : []),
    ])
    e.count('events', deleted[0].meta.changes)
    if (rows.length < e.chunk) break
  }
  for (const table of ROLLUPS) if (!(await e.drain(table, 'account_id = ?2', accountId))) return false
  for (const table of [
    'nudge_states',
    'user_scores',
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
