import { MAX_STORED_TRAITS_BYTES } from '../../../shared/limits'
import { WIDGET_ERROR_EVENT } from '../../../shared/event-names'
import { dayOf } from '../lib/days'
import type { EventRow } from './normalize'
import type { IngestPlan } from './plan'

export interface WriteResult {
  inserted: number
  duplicates: number
  /** D1's billed rows written, indexes and rollups included. */
  rowsWritten: number
  /** D1's rows read by the rollup step: bounded by the batch, whatever the project's size. */
  rollupRowsRead: number
  /** messageIds this request really inserted (not duplicates). */
  insertedIds: Set<string>
}

/** Stored traits SQLite cannot read (too deep, from before the bounds) merge as {}, so one bad row never fails a batch. */
const READABLE_TRAITS = "CASE WHEN json_valid(traits_json) THEN traits_json ELSE '{}' END"
const PATCHED = `json_patch(${READABLE_TRAITS}, excluded.traits_json)`
// past the stored bound (?7 bytes) the incoming traits replace the stored ones, as planIngest does
const MERGED_TRAITS = `CASE WHEN length(CAST(${PATCHED} AS BLOB)) <= ?7 THEN ${PATCHED} ELSE excluded.traits_json END`

/** first_seen / last_seen move in steps of at least this much: a user seen all day costs a row write an hour, not one a request. */
export const LAST_SEEN_STEP_MS = 3_600_000

// the WHERE makes a no-op upsert write 0 rows (SQLite skips the update): only new traits, or first_seen / last_seen
// moving by a step (?8) or onto another UTC day (readers count days since first seen), rewrite the row
const UTC_DAY = (col: string) => `CAST(${col} / 86400000 AS INTEGER)`
const CHANGED = `WHERE ${MERGED_TRAITS} IS NOT traits_json
  OR excluded.first_seen <= first_seen - ?8 OR ${UTC_DAY('excluded.first_seen')} < ${UTC_DAY('first_seen')}
  OR excluded.last_seen >= last_seen + ?8 OR ${UTC_DAY('excluded.last_seen')} > ${UTC_DAY('last_seen')}`

const UPSERT_ACCOUNT = `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (project_id, id) DO UPDATE SET
  name = COALESCE(excluded.name, name),
  traits_json = ${MERGED_TRAITS},
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen)
${CHANGED} OR COALESCE(excluded.name, name) IS NOT name`

const UPSERT_USER = `INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (project_id, id) DO UPDATE SET
  traits_json = ${MERGED_TRAITS},
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen)
${CHANGED}`

// apart from the upsert: naming account_id in its SET rewrites the account index even when the value is the same
// (measured: 2 row writes per user instead of 1); this writes nothing unless the account really changes
const MOVE_USER = 'UPDATE users SET account_id = ?3 WHERE project_id = ?1 AND id = ?2 AND account_id IS NOT ?3'

/** System events the hot path reads from SQLite (nudge timeline, survey NPS, widget errors); every event goes to R2. */
export function isHotEvent(row: { name: string | null }): boolean {
  return row.name !== null && (row.name.startsWith('$nudge_') || row.name === WIDGET_ERROR_EVENT)
}

// The account falls back to the user's last group() call; written only when event_ids took the messageId in this write.
const INSERT_HOT_EVENT = `INSERT OR IGNORE INTO events (project_id, message_id, type, kind, name, user_id, anonymous_id, account_id,
  feature_key, amount, meaningful, active_seconds, app_version, ts, received_at, properties_json, context_json, ingest_id)
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, COALESCE(?8, (SELECT account_id FROM users WHERE project_id = ?1 AND id = ?6)),
  ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18
WHERE EXISTS (SELECT 1 FROM event_ids WHERE project_id = ?1 AND message_id = ?2 AND ingest_id = ?18)`

// exact dedupe: the rows this write inserts are the new events; RETURNING names them (sqlite.org/lang_returning.html)
const INSERT_EVENT_IDS = `INSERT INTO event_ids (project_id, message_id, ingest_id, received_day)
  SELECT ?1, value, ?2, ?3 FROM json_each(?4) WHERE true ON CONFLICT DO NOTHING RETURNING message_id`

/** The messageIds of `ids` already stored for the project (read before the archive put, so resends are not archived twice). */
export async function knownMessageIds(db: D1Database, projectId: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set()
  const { results } = await db
    .prepare('SELECT message_id FROM event_ids WHERE project_id = ?1 AND message_id IN (SELECT value FROM json_each(?2))')
    .bind(projectId, JSON.stringify(ids))
    .all<{ message_id: string }>()
  return new Set(results.map((r) => r.message_id))
}

/** One row per messageId, the first seen (a batch may carry the same event twice). */
export function uniqueByMessageId<T extends { messageId: string }>(rows: T[]): T[] {
  const seen = new Set<string>()
  return rows.filter((r) => !seen.has(r.messageId) && seen.add(r.messageId))
}

/**
 * Writes a planned batch in one D1 batch (one transaction): accounts, users, the dedupe rows, the hot system
 * events, then the rollups of exactly the events this write inserted. Raw events themselves live in R2.
 */
export async function writeIngest(
  db: D1Database,
  projectId: string,
  plan: IngestPlan,
  receivedAt: number,
  ingestId: string = crypto.randomUUID(),
): Promise<WriteResult> {
  const rowsIn = uniqueByMessageId(plan.rows)
  if (rowsIn.length === 0) return { inserted: 0, duplicates: 0, rowsWritten: 0, rollupRowsRead: 0, insertedIds: new Set() }
  const accounts = accountStatements(db, projectId, plan.accounts)
  const users = userStatements(db, projectId, plan.users)
  const { ids, hot, rollups } = eventStatements(db, projectId, rowsIn, receivedAt, ingestId)
  const results = await db.batch([...accounts, ...users, ids, ...hot, ...rollups])
  const idResult = results[accounts.length + users.length] as D1Result<{ message_id: string }>
  const insertedIds = new Set(idResult.results.map((r) => r.message_id))
  const inserted = insertedIds.size
  const rowsWritten = results.reduce((n, r) => n + (r.meta.rows_written ?? 0), 0)
  const rollupRowsRead = results.slice(-rollups.length).reduce((n, r) => n + (r.meta.rows_read ?? 0), 0)
  return { inserted, duplicates: rowsIn.length - inserted + (plan.rows.length - rowsIn.length), rowsWritten, rollupRowsRead, insertedIds }
}

/** The account-grain part of a write: one guarded upsert per account (the main D1 whatever the project's layout). */
export function accountStatements(db: D1Database, projectId: string, accounts: IngestPlan['accounts']): D1PreparedStatement[] {
  return accounts.map((a) =>
    db
      .prepare(UPSERT_ACCOUNT)
      .bind(projectId, a.id, a.name, JSON.stringify(a.traits), a.firstSeen, a.lastSeen, MAX_STORED_TRAITS_BYTES, LAST_SEEN_STEP_MS),
  )
}

/** The users part of a write: a guarded upsert per user, and the move of its account when the write names one. */
export function userStatements(db: D1Database, projectId: string, users: IngestPlan['users']): D1PreparedStatement[] {
  return users.flatMap((u) => [
    db
      .prepare(UPSERT_USER)
      .bind(projectId, u.id, u.accountId, JSON.stringify(u.traits), u.firstSeen, u.lastSeen, MAX_STORED_TRAITS_BYTES, LAST_SEEN_STEP_MS),
    ...(u.accountId ? [db.prepare(MOVE_USER).bind(projectId, u.id, u.accountId)] : []),
  ])
}

/** The per-event part of a write: dedupe keys (RETURNING the new ones), hot system events, rollups of what this write inserted. */
export function eventStatements(db: D1Database, projectId: string, rowsIn: EventRow[], receivedAt: number, ingestId: string) {
  const ids = db.prepare(INSERT_EVENT_IDS).bind(projectId, ingestId, dayOf(receivedAt), JSON.stringify(rowsIn.map((r) => r.messageId)))
  const hot = rowsIn
    .filter(isHotEvent)
    .map((r) =>
      db
        .prepare(INSERT_HOT_EVENT)
        .bind(
          projectId,
          r.messageId,
          r.type,
          r.kind,
          r.name,
          r.userId,
          r.anonymousId,
          r.accountId,
          r.featureKey,
          r.amount,
          r.meaningful ? 1 : 0,
          r.activeSeconds,
          r.appVersion,
          r.ts,
          receivedAt,
          JSON.stringify(r.properties),
          JSON.stringify(r.context),
          ingestId,
        ),
    )
  const rollups = rollupStatements(db, projectId, { ingestId, rows: rowsIn })
  return { ids, hot, rollups }
}

// ---- rollups ----------------------------------------------------------------------------------------

/**
 * The daily rollups scoring reads (user x day, user x event x day, user x feature x day), built from raw
 * events with set-based upserts: one row write per (user, day[, key]) instead of one per event.
 * Ingest aggregates only the rows its own request inserted (ingest_id), so duplicates count nothing;
 * a feature rebuild aggregates every raw event of the (user, day) pairs whose tags it changed.
 */
/**
 * Where rollups come from. Ingest: the write's own rows (as JSON), counted only when event_ids took their
 * messageId in this write (`ingestId`), so duplicates count nothing. `userDays`: [user id, from ts, to ts)
 * triples recomputed from the hot raw table (re-tagging from the R2 archive supersedes it).
 */
export type RollupSource = { ingestId: string; rows: EventRow[] } | { userDays: [string, number, number][] }

// one compact array per row: [messageId, userId, accountId, type, kind, name, featureKey, amount, meaningful, activeSeconds, appVersion, ts]
const rowTuple = (r: EventRow) => [
  r.messageId,
  r.userId,
  r.accountId,
  r.type,
  r.kind,
  r.name,
  r.featureKey,
  r.amount,
  r.meaningful ? 1 : 0,
  r.activeSeconds,
  r.appVersion,
  r.ts,
]
const col = (i: number) => `json_extract(j.value, '$[${i}]')`

function sourceWhere(src: RollupSource): { from: string; where: string; binds: unknown[] } {
  if ('ingestId' in src) {
    // the rows as a derived table named `events` so the rollup SQL reads the same columns either way; the account
    // falls back to the user's last group() call (users were upserted earlier in the same transaction)
    const from = `(SELECT ?1 AS project_id, ${col(1)} AS user_id,
        COALESCE(${col(2)}, (SELECT account_id FROM users WHERE project_id = ?1 AND id = ${col(1)})) AS account_id,
        ${col(3)} AS type, ${col(4)} AS kind, ${col(5)} AS name, ${col(6)} AS feature_key, ${col(7)} AS amount,
        ${col(8)} AS meaningful, ${col(9)} AS active_seconds, ${col(10)} AS app_version, ${col(11)} AS ts
      FROM json_each(?2) AS j CROSS JOIN event_ids AS e ON e.project_id = ?1 AND e.message_id = ${col(0)}
      WHERE e.ingest_id = ?3) AS events`
    return { from, where: 'true', binds: [JSON.stringify(src.rows.map(rowTuple)), src.ingestId] }
  }
  return {
    from: 'events',
    // rebuild: rowids of the pairs' events found through the (project_id, user_id, ts) index
    // (unary + keeps SQLite from scanning the project by its project_id index instead)
    where: `+project_id = ?1 AND rowid IN (SELECT e.rowid FROM json_each(?2) AS p CROSS JOIN events AS e ON e.project_id = ?1
      AND e.user_id = json_extract(p.value, '$[0]') AND e.ts >= json_extract(p.value, '$[1]') AND e.ts < json_extract(p.value, '$[2]'))`,
    binds: [JSON.stringify(src.userDays)],
  }
}

const DAY = "date(ts / 1000, 'unixepoch')"

/**
 * The counting upserts leave account_id out of their SET: naming it rewrites the account index on every update,
 * even to the same value. Each rollup is written by two upserts over the same aggregate, split on whether the
 * stored row is in another account: the first counts the rows that stay (and inserts new ones), the second counts
 * and moves the rest (`moved`). The split is taken before either writes, and the first writes no row the second
 * selects (a row it inserts carries the write's own account), so every row is counted exactly once.
 */
function countAndMove(table: string, keys: string[], cols: string[], agg: string, counts: string): [string, string] {
  const moving = `m.account_id IS NOT NULL AND EXISTS (SELECT 1 FROM ${table} AS r WHERE r.project_id = ?1 AND ${keys
    .map((k) => `r.${k} = m.${k}`)
    .join(' AND ')} AND r.account_id IS NOT m.account_id)`
  const upsert = (where: string, set: string) => `INSERT INTO ${table} (project_id, ${keys.join(', ')}, ${cols.join(', ')})
    SELECT m.project_id, ${[...keys, ...cols].map((c) => `m.${c}`).join(', ')} FROM (${agg}) AS m WHERE ${where}
    ON CONFLICT (project_id, ${keys.join(', ')}) DO UPDATE SET ${set}`
  return [upsert(`NOT (${moving})`, counts), upsert(moving, `${counts}, account_id = excluded.account_id`)]
}

export function rollupStatements(db: D1Database, projectId: string, src: RollupSource): D1PreparedStatement[] {
  const { from, where, binds } = sourceWhere(src)
  // with one max() aggregate, SQLite takes bare columns (account, version) from the latest event
  const dayAgg = `SELECT events.project_id AS project_id, user_id, ${DAY} AS day, account_id, app_version, MAX(ts) AS last_ts, COUNT(*) AS events, SUM(meaningful) AS meaningful,
        SUM(kind = 'login') AS logins, SUM(kind = 'value') AS value_events,
        SUM(CASE WHEN kind = 'value' THEN COALESCE(amount, 0) ELSE 0 END) AS value_amount, SUM(active_seconds) AS active_seconds
      FROM ${from} WHERE ${where} AND user_id IS NOT NULL GROUP BY user_id, day`
  const userDays = countAndMove(
    'user_days',
    ['user_id', 'day'],
    ['account_id', 'events', 'meaningful', 'logins', 'value_events', 'value_amount', 'active_seconds', 'app_version'],
    dayAgg,
    `events = events + excluded.events, meaningful = meaningful + excluded.meaningful, logins = logins + excluded.logins,
      value_events = value_events + excluded.value_events, value_amount = value_amount + excluded.value_amount,
      active_seconds = active_seconds + excluded.active_seconds, app_version = COALESCE(excluded.app_version, app_version)`,
  )
  const keyed = (table: string, column: string, extra: string) =>
    countAndMove(
      table,
      ['user_id', column, 'day'],
      ['account_id', 'n', 'amount'],
      `SELECT events.project_id AS project_id, user_id, ${column}, ${DAY} AS day, MAX(account_id) AS account_id, COUNT(*) AS n,
        SUM(COALESCE(amount, 0)) AS amount
      FROM ${from} WHERE ${where} AND user_id IS NOT NULL AND ${column} IS NOT NULL ${extra} GROUP BY user_id, ${column}, day`,
      'n = n + excluded.n, amount = amount + excluded.amount',
    )
  // a write's own rows tell whether it has anything for a keyed rollup (each statement reads all of them)
  const has = (test: (r: EventRow) => unknown) => !('rows' in src) || src.rows.some((r) => r.userId !== null && test(r))
  return [
    ...userDays,
    ...(has((r) => r.name !== null && ['track', 'page', 'screen'].includes(r.type))
      ? keyed('user_event_days', 'name', "AND events.type IN ('track', 'page', 'screen')")
      : []),
    ...(has((r) => r.featureKey !== null) ? keyed('user_feature_days', 'feature_key', '') : []),
  ].map((sql) => db.prepare(sql).bind(projectId, ...binds))
}
