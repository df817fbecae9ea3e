/** SQL of the re-tagging job: the `feature_rebuilds` row, pages of raw events, their new tags and rollups. */
import { rollupStatements } from '../ingest'
import { dayOf } from '../lib/days'
import type { RebuildJob, Retag, StoredEvent, UserDay } from './retag'

interface JobRow {
  status: 'running' | 'done'
  generation: number
  cursor_ts: number
  cursor_rowid: number
  total: number
  done: number
  retagged: number
  lease_until: number
  started_at: number
  finished_at: number | null
}

interface EventRow {
  rowid: number
  ts: number
  type: string
  name: string | null
  kind: string
  feature_key: string | null
  amount: number | null
  user_id: string | null
  properties_json: string | null
}

const JOB_COLUMNS = 'status, generation, cursor_ts, cursor_rowid, total, done, retagged, lease_until, started_at, finished_at'

const toJob = (r: JobRow): RebuildJob => ({
  status: r.status,
  generation: r.generation,
  cursorTs: r.cursor_ts,
  cursorRowid: r.cursor_rowid,
  total: r.total,
  done: r.done,
  retagged: r.retagged,
  leaseUntil: r.lease_until,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
})

const toStoredEvent = (r: EventRow): StoredEvent => ({
  rowid: r.rowid,
  ts: r.ts,
  type: r.type,
  name: r.name,
  kind: r.kind,
  featureKey: r.feature_key,
  amount: r.amount,
  userId: r.user_id,
  properties: r.properties_json === null ? {} : (JSON.parse(r.properties_json) as Record<string, unknown>),
})

/**
 * The statement that records (or restarts, with the new rules) the project's job walking raw events from
 * `sinceTs`; run it in the same batch as the rules change. A job already walking restarts from the start.
 */
export function startRebuildStatement(db: D1Database, projectId: string, sinceTs: number, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO feature_rebuilds (project_id, status, generation, since_ts, cursor_ts, cursor_rowid, total, done, retagged, lease_until, started_at, updated_at)
       VALUES (?1, 'running', 1, ?2, ?2, -1, (SELECT COUNT(*) FROM events WHERE project_id = ?1 AND ts >= ?2), 0, 0, 0, ?3, ?3)
       ON CONFLICT (project_id) DO UPDATE SET status = 'running', generation = generation + 1, since_ts = excluded.since_ts,
         cursor_ts = excluded.cursor_ts, cursor_rowid = -1, total = excluded.total, done = 0, retagged = 0,
         started_at = excluded.started_at, updated_at = excluded.updated_at, finished_at = NULL`,
    )
    .bind(projectId, sinceTs, now)
}

export async function findRebuildJob(db: D1Database, projectId: string): Promise<RebuildJob | null> {
  const row = await db.prepare(`SELECT ${JOB_COLUMNS} FROM feature_rebuilds WHERE project_id = ?1`).bind(projectId).first<JobRow>()
  return row ? toJob(row) : null
}

/** Takes the lease of a running job nobody holds (until `leaseUntil`); null when there is none to take. */
export async function leaseRebuildJob(db: D1Database, projectId: string, now: number, leaseUntil: number): Promise<RebuildJob | null> {
  const row = await db
    .prepare(
      `UPDATE feature_rebuilds SET lease_until = ?2 WHERE project_id = ?1 AND status = 'running' AND lease_until < ?3 RETURNING ${JOB_COLUMNS}`,
    )
    .bind(projectId, leaseUntil, now)
    .first<JobRow>()
  return row ? toJob(row) : null
}

/** Gives the lease back, if it is still one of ours (`tokens`: the lease_until values we set). */
export async function releaseRebuildLease(db: D1Database, projectId: string, tokens: [number, number]): Promise<void> {
  await db
    .prepare('UPDATE feature_rebuilds SET lease_until = 0 WHERE project_id = ?1 AND lease_until IN (?2, ?3)')
    .bind(projectId, ...tokens)
    .run()
}

/** Raw events after the cursor (ts, rowid) and before `untilTs`, in walk order; properties for track events only. */
export async function readEventPage(
  db: D1Database,
  projectId: string,
  from: { ts: number; rowid: number },
  untilTs: number,
  limit: number,
): Promise<StoredEvent[]> {
  const { results } = await db
    .prepare(
      `SELECT rowid, ts, type, name, kind, feature_key, amount, user_id, CASE WHEN type = 'track' THEN properties_json END AS properties_json
       FROM events WHERE project_id = ?1 AND ts >= ?2 AND (ts > ?2 OR rowid > ?3) AND ts < ?4 ORDER BY ts, rowid LIMIT ?5`,
    )
    .bind(projectId, from.ts, from.rowid, untilTs, limit)
    .all<EventRow>()
  return results.map(toStoredEvent)
}

/** The rollups of exactly these (user, day start, day end) pairs, recomputed from their raw events. */
export function rebuildPairsStatements(db: D1Database, projectId: string, pairs: UserDay[]): D1PreparedStatement[] {
  const json = JSON.stringify(pairs.map(([user, from]) => [user, dayOf(from)]))
  return [
    ...['user_days', 'user_event_days', 'user_feature_days'].map((table) =>
      db
        .prepare(
          `DELETE FROM ${table} WHERE project_id = ?1 AND (user_id, day) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2))`,
        )
        .bind(projectId, json),
    ),
    ...rollupStatements(db, projectId, { userDays: pairs }),
  ]
}

export interface WalkedPage {
  /** The generation the page was walked under. */
  generation: number
  updates: Retag[]
  pairs: UserDay[]
  cursor: { ts: number; rowid: number }
  walked: number
  finished: boolean
  now: number
  leaseUntil: number
}

/**
 * Writes one walked page in one batch: the changed tags (one UPDATE), the touched rollups, and the cursor,
 * which moves only if no rules change restarted the job meanwhile. The job afterwards; null when restarted.
 */
export async function writeRebuildPage(db: D1Database, projectId: string, page: WalkedPage): Promise<RebuildJob | null> {
  const statements: D1PreparedStatement[] = []
  if (page.updates.length) {
    const tags = page.updates.map((u) => [u.rowid, u.kind, u.featureKey, u.amount, u.meaningful ? 1 : 0])
    statements.push(
      db
        .prepare(
          `UPDATE events SET kind = json_extract(u.value, '$[1]'), feature_key = json_extract(u.value, '$[2]'),
             amount = json_extract(u.value, '$[3]'), meaningful = json_extract(u.value, '$[4]')
           FROM json_each(?2) AS u WHERE events.rowid = json_extract(u.value, '$[0]') AND +events.project_id = ?1`,
        )
        .bind(projectId, JSON.stringify(tags)),
    )
  }
  if (page.pairs.length) statements.push(...rebuildPairsStatements(db, projectId, page.pairs))
  statements.push(
    db
      .prepare(
        `UPDATE feature_rebuilds SET cursor_ts = ?3, cursor_rowid = ?4, done = done + ?5, retagged = retagged + ?6,
           status = CASE WHEN ?7 THEN 'done' ELSE 'running' END, finished_at = CASE WHEN ?7 THEN ?8 END, updated_at = ?8, lease_until = ?9
         WHERE project_id = ?1 AND generation = ?2 RETURNING ${JOB_COLUMNS}`,
      )
      .bind(
        projectId,
        page.generation,
        page.cursor.ts,
        page.cursor.rowid,
        page.walked,
        page.updates.length,
        page.finished ? 1 : 0,
        page.now,
        page.leaseUntil,
      ),
  )
  const results = await db.batch<JobRow>(statements)
  const moved = results[results.length - 1].results[0]
  return moved ? toJob(moved) : null
}
