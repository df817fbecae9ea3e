import { MAX_STORED_TRAITS_BYTES } from '../../../shared/limits'
import type { IngestPlan } from './plan'
import { rollupStatements } from './rollups'

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
export const READABLE_TRAITS = "CASE WHEN json_valid(traits_json) THEN traits_json ELSE '{}' END"
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
        projectId, r.messageId, r.type, r.kind, r.name, r.userId, r.anonymousId, r.accountId,
        r.featureKey, r.amount, r.meaningful ? 1 : 0, r.activeSeconds, r.appVersion, r.ts, receivedAt,
        JSON.stringify(r.properties), JSON.stringify(r.context), ingestId,
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
