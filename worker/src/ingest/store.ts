import { MAX_STORED_TRAITS_BYTES } from '../../../shared/limits'
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
const MERGE_TRAITS = `traits_json = CASE WHEN length(CAST(${PATCHED} AS BLOB)) <= ?7 THEN ${PATCHED} ELSE excluded.traits_json END`

const UPSERT_ACCOUNT = `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (project_id, id) DO UPDATE SET
  name = COALESCE(excluded.name, name),
  ${MERGE_TRAITS},
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen)`

const UPSERT_USER = `INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (project_id, id) DO UPDATE SET
  account_id = COALESCE(excluded.account_id, account_id),
  ${MERGE_TRAITS},
  first_seen = min(first_seen, excluded.first_seen),
  last_seen = max(last_seen, excluded.last_seen)`

// The account falls back to the user's last group() call.
const INSERT_EVENT = `INSERT OR IGNORE INTO events (project_id, message_id, type, kind, name, user_id, anonymous_id, account_id,
  feature_key, amount, meaningful, active_seconds, app_version, ts, received_at, properties_json, context_json, ingest_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, COALESCE(?8, (SELECT account_id FROM users WHERE project_id = ?1 AND id = ?6)),
  ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)`

/** Writes a planned batch in one D1 batch (one transaction): accounts, users, then events and their rollups. */
export async function writeIngest(db: D1Database, projectId: string, plan: IngestPlan, receivedAt: number): Promise<WriteResult> {
  const ingestId = crypto.randomUUID()
  const accounts = plan.accounts.map((a) =>
    db.prepare(UPSERT_ACCOUNT).bind(projectId, a.id, a.name, JSON.stringify(a.traits), a.firstSeen, a.lastSeen, MAX_STORED_TRAITS_BYTES),
  )
  const users = plan.users.map((u) =>
    db.prepare(UPSERT_USER).bind(projectId, u.id, u.accountId, JSON.stringify(u.traits), u.firstSeen, u.lastSeen, MAX_STORED_TRAITS_BYTES),
  )
  const events = plan.rows.map((r) =>
    db
      .prepare(INSERT_EVENT)
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
  if (events.length === 0) return { inserted: 0, duplicates: 0, rowsWritten: 0, rollupRowsRead: 0, insertedIds: new Set() }
  const rollups = rollupStatements(db, projectId, { ingestId, messageIds: [...new Set(plan.rows.map((r) => r.messageId))] })
  const results = await db.batch([...accounts, ...users, ...events, ...rollups])
  const eventResults = results.slice(accounts.length + users.length, accounts.length + users.length + events.length)
  const insertedIds = new Set(plan.rows.filter((_, i) => eventResults[i].meta.changes > 0).map((r) => r.messageId))
  const inserted = insertedIds.size
  const rowsWritten = results.reduce((n, r) => n + (r.meta.rows_written ?? 0), 0)
  const rollupRowsRead = results.slice(-rollups.length).reduce((n, r) => n + (r.meta.rows_read ?? 0), 0)
  return { inserted, duplicates: events.length - inserted, rowsWritten, rollupRowsRead, insertedIds }
}

// ---- rollups ----------------------------------------------------------------------------------------

/**
 * The daily rollups scoring reads (user x day, user x event x day, user x feature x day), built from raw
 * events with set-based upserts: one row write per (user, day[, key]) instead of one per event.
 * Ingest aggregates only the rows its own request inserted (ingest_id), so duplicates count nothing;
 * a feature rebuild aggregates every raw event of the (user, day) pairs whose tags it changed.
 */
/** `userDays`: [user id, from ts, to ts) triples whose rollups a feature rebuild recomputes from raw events. */
export type RollupSource = { ingestId: string; messageIds: string[] } | { userDays: [string, number, number][] }

function sourceWhere(src: RollupSource): { from: string; where: string; binds: unknown[] } {
  // ingest: one primary-key lookup per messageId of the request (CROSS JOIN keeps json_each the outer
  // loop), so the cost follows the batch, not the project's size or the batch's time span
  return 'ingestId' in src
    ? {
        from: 'json_each(?2) AS batch_ids CROSS JOIN events ON events.project_id = ?1 AND events.message_id = batch_ids.value',
        where: 'events.ingest_id = ?3',
        binds: [JSON.stringify(src.messageIds), src.ingestId],
      }
    : {
        from: 'events',
        // rebuild: rowids of the pairs' events found through the (project_id, user_id, ts) index
        // (unary + keeps SQLite from scanning the project by its project_id index instead)
        where: `+project_id = ?1 AND rowid IN (SELECT e.rowid FROM json_each(?2) AS p CROSS JOIN events AS e ON e.project_id = ?1
          AND e.user_id = json_extract(p.value, '$[0]') AND e.ts >= json_extract(p.value, '$[1]') AND e.ts < json_extract(p.value, '$[2]'))`,
        binds: [JSON.stringify(src.userDays)],
      }
}

const DAY = "date(ts / 1000, 'unixepoch')"

export function rollupStatements(db: D1Database, projectId: string, src: RollupSource): D1PreparedStatement[] {
  const { from, where, binds } = sourceWhere(src)
  const userDays = `INSERT INTO user_days (project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version)
    SELECT project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version FROM (
      -- with one max() aggregate, SQLite takes bare columns (account, version) from the latest event
      SELECT events.project_id AS project_id, user_id, ${DAY} AS day, account_id, app_version, MAX(ts) AS last_ts, COUNT(*) AS events, SUM(meaningful) AS meaningful,
        SUM(kind = 'login') AS logins, SUM(kind = 'value') AS value_events,
        SUM(CASE WHEN kind = 'value' THEN COALESCE(amount, 0) ELSE 0 END) AS value_amount, SUM(active_seconds) AS active_seconds
      FROM ${from} WHERE ${where} AND user_id IS NOT NULL GROUP BY user_id, day
    ) WHERE true
    ON CONFLICT (project_id, user_id, day) DO UPDATE SET
      events = events + excluded.events, meaningful = meaningful + excluded.meaningful, logins = logins + excluded.logins,
      value_events = value_events + excluded.value_events, value_amount = value_amount + excluded.value_amount,
      active_seconds = active_seconds + excluded.active_seconds,
      account_id = COALESCE(excluded.account_id, account_id), app_version = COALESCE(excluded.app_version, app_version)`
  const keyed = (
    table: string,
    column: string,
    extra: string,
  ) => `INSERT INTO ${table} (project_id, user_id, ${column}, day, account_id, n, amount)
    SELECT events.project_id, user_id, ${column}, ${DAY} AS day, MAX(account_id), COUNT(*), SUM(COALESCE(amount, 0))
    FROM ${from} WHERE ${where} AND user_id IS NOT NULL AND ${column} IS NOT NULL ${extra} GROUP BY user_id, ${column}, day
    ON CONFLICT (project_id, user_id, ${column}, day) DO UPDATE SET
      n = n + excluded.n, amount = amount + excluded.amount, account_id = COALESCE(excluded.account_id, account_id)`
  return [
    userDays,
    keyed('user_event_days', 'name', "AND events.type IN ('track', 'page', 'screen')"),
    keyed('user_feature_days', 'feature_key', ''),
  ].map((sql) => db.prepare(sql).bind(projectId, ...binds))
}
