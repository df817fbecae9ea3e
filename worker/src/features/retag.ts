import { classifyTrack } from '../ingest'
import { DAY_MS, dayOf } from '../lib/days'
import { RAW_RETENTION_DAYS } from '../ingest'
import { buildFeatureIndex, listFeatures } from './store'
import { rollupStatements } from '../ingest'

/**
 * Re-tagging after a feature's rules change, as a resumable job (one row per project in
 * `feature_rebuilds`): raw events inside the retention window are walked in (ts, rowid) order, a page
 * at a time; each page re-classifies its track events with the current rules, writes only the rows whose
 * tags changed (one UPDATE for the page) and rebuilds the rollups of just the (user, day) pairs those rows
 * belong to. The first page runs in the request; the rest in its waitUntil, on later feature requests and
 * in the daily run. A lease keeps one worker on a project's job at a time.
 */

export interface RebuildProgress {
  status: 'running' | 'done'
  done: number
  total: number
  retagged: number
  started_at: string
  finished_at: string | null
}

interface JobRow {
  status: 'running' | 'done'
  generation: number
  since_ts: number
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

/** Raw events read per page: one SELECT, at most one UPDATE and six rollup statements per page. */
export const REBUILD_PAGE = 1000
const LEASE_MS = 60_000
/** Events ingested this long after a rules change may still carry the old tags (ingest caches rules 10 s). */
const STALE_INGEST_MS = 60_000

const JOB_COLUMNS = 'status, generation, since_ts, cursor_ts, cursor_rowid, total, done, retagged, lease_until, started_at, finished_at'

const retentionFloor = (now: number) => Date.parse(dayOf(now - RAW_RETENTION_DAYS * DAY_MS))

function progress(job: JobRow): RebuildProgress {
  return {
    status: job.status,
    done: Math.min(job.done, job.total),
    total: job.total,
    retagged: job.retagged,
    started_at: new Date(job.started_at).toISOString(),
    finished_at: job.finished_at === null ? null : new Date(job.finished_at).toISOString(),
  }
}

/**
 * The statement that records (or restarts, with the new rules) the project's re-tagging job; run it in
 * the same batch as the rules change. A job already walking restarts from the start of the window.
 */
export function startRebuildStatement(db: D1Database, projectId: string, now: number): D1PreparedStatement {
  const since = retentionFloor(now)
  return db
    .prepare(
      `INSERT INTO feature_rebuilds (project_id, status, generation, since_ts, cursor_ts, cursor_rowid, total, done, retagged, lease_until, started_at, updated_at)
       VALUES (?1, 'running', 1, ?2, ?2, -1, (SELECT COUNT(*) FROM events WHERE project_id = ?1 AND ts >= ?2), 0, 0, 0, ?3, ?3)
       ON CONFLICT (project_id) DO UPDATE SET status = 'running', generation = generation + 1, since_ts = excluded.since_ts,
         cursor_ts = excluded.cursor_ts, cursor_rowid = -1, total = excluded.total, done = 0, retagged = 0,
         started_at = excluded.started_at, updated_at = excluded.updated_at, finished_at = NULL`,
    )
    .bind(projectId, since, now)
}

export async function rebuildProgress(db: D1Database, projectId: string): Promise<RebuildProgress | null> {
  const job = await db.prepare(`SELECT ${JOB_COLUMNS} FROM feature_rebuilds WHERE project_id = ?1`).bind(projectId).first<JobRow>()
  return job ? progress(job) : null
}

/** Reclassifies one page's track events: the rows whose tags change, and the (user, day) pairs they touch. */
export function retagPage(rows: EventRow[], index: ReturnType<typeof buildFeatureIndex>) {
  const updates: [number, string, string | null, number | null, number][] = []
  const pairs = new Map<string, [string, number, number]>()
  for (const row of rows) {
    if (row.type !== 'track' || row.name === null) continue
    const cls = classifyTrack(row.name, JSON.parse(row.properties_json ?? '{}'), index)
    const key = cls.feature?.key ?? null
    if (cls.kind === row.kind && key === row.feature_key && cls.amount === row.amount) continue
    updates.push([row.rowid, cls.kind, key, cls.amount, cls.kind === 'feature' || cls.kind === 'value' ? 1 : 0])
    if (row.user_id === null) continue
    const dayStart = Date.parse(dayOf(row.ts))
    pairs.set(`${row.user_id}\u0000${dayStart}`, [row.user_id, dayStart, dayStart + DAY_MS])
  }
  return { updates, pairs: [...pairs.values()] }
}

/** The rollups of exactly these (user, day start, day end) pairs, recomputed from their raw events. */
export function rebuildPairsStatements(db: D1Database, projectId: string, pairs: [string, number, number][]): D1PreparedStatement[] {
  const json = JSON.stringify(pairs.map(([user, from]) => [user, dayOf(from)]))
  return [
    ...['user_days', 'user_event_days', 'user_feature_days'].map((table) =>
      db
        .prepare(`DELETE FROM ${table} WHERE project_id = ?1 AND (user_id, day) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2))`)
        .bind(projectId, json),
    ),
    ...rollupStatements(db, projectId, { userDays: pairs }),
  ]
}

async function acquire(db: D1Database, projectId: string, now: number): Promise<JobRow | null> {
  return db
    .prepare(`UPDATE feature_rebuilds SET lease_until = ?2 WHERE project_id = ?1 AND status = 'running' AND lease_until < ?3 RETURNING ${JOB_COLUMNS}`)
    .bind(projectId, now + LEASE_MS, now)
    .first<JobRow>()
}

/** One page of the job under the caller's lease; returns the job as it stands afterwards. */
async function runPage(db: D1Database, projectId: string, job: JobRow, now: number, pageSize: number): Promise<JobRow | null> {
  const floor = retentionFloor(now)
  // raw events before the retention floor are being purged: never rebuild a day from a partial set
  const [fromTs, fromRowid] = job.cursor_ts < floor ? [floor, -1] : [job.cursor_ts, job.cursor_rowid]
  const untilTs = job.started_at + STALE_INGEST_MS
  const [features, page] = await Promise.all([
    listFeatures(db, projectId),
    db
      .prepare(
        `SELECT rowid, ts, type, name, kind, feature_key, amount, user_id, CASE WHEN type = 'track' THEN properties_json END AS properties_json
         FROM events WHERE project_id = ?1 AND ts >= ?2 AND (ts > ?2 OR rowid > ?3) AND ts < ?4 ORDER BY ts, rowid LIMIT ?5`,
      )
      .bind(projectId, fromTs, fromRowid, untilTs, pageSize)
      .all<EventRow>(),
  ])
  const rows = page.results
  const { updates, pairs } = retagPage(rows, buildFeatureIndex(features))
  const finished = rows.length < pageSize
  const last = rows[rows.length - 1]
  const statements: D1PreparedStatement[] = []
  if (updates.length) {
    statements.push(
      db
        .prepare(
          `UPDATE events SET kind = json_extract(u.value, '$[1]'), feature_key = json_extract(u.value, '$[2]'),
             amount = json_extract(u.value, '$[3]'), meaningful = json_extract(u.value, '$[4]')
           FROM json_each(?2) AS u WHERE events.rowid = json_extract(u.value, '$[0]') AND +events.project_id = ?1`,
        )
        .bind(projectId, JSON.stringify(updates)),
    )
  }
  if (pairs.length) statements.push(...rebuildPairsStatements(db, projectId, pairs))
  // the cursor only moves if no rules change restarted the job meanwhile (generation unchanged)
  statements.push(
    db
      .prepare(
        `UPDATE feature_rebuilds SET cursor_ts = ?3, cursor_rowid = ?4, done = done + ?5, retagged = retagged + ?6,
           status = CASE WHEN ?7 THEN 'done' ELSE 'running' END, finished_at = CASE WHEN ?7 THEN ?8 END, updated_at = ?8, lease_until = ?9
         WHERE project_id = ?1 AND generation = ?2 RETURNING ${JOB_COLUMNS}`,
      )
      .bind(projectId, job.generation, last?.ts ?? fromTs, last?.rowid ?? fromRowid, rows.length, updates.length, finished ? 1 : 0, Date.now(), Date.now() + LEASE_MS),
  )
  const results = await db.batch<JobRow>(statements)
  const moved = results[results.length - 1].results[0]
  // null: the job was restarted by a newer rules change; the caller re-reads it and walks again
  return moved ?? null
}

export interface AdvanceOptions {
  maxPages?: number
  budgetMs?: number
  pageSize?: number
}

/**
 * Runs pages of the project's job while it holds the lease, until done, `maxPages` or `budgetMs`.
 * Returns the progress afterwards (null: no job), and whether this call got to work at all.
 */
export async function advanceRebuild(db: D1Database, projectId: string, opts: AdvanceOptions = {}) {
  const { maxPages = Infinity, budgetMs = 20_000, pageSize = REBUILD_PAGE } = opts
  const started = Date.now()
  let job = await acquire(db, projectId, started)
  if (!job) return { worked: false, progress: await rebuildProgress(db, projectId) }
  const token = job.lease_until
  let leaseToken = token
  try {
    for (let pages = 0; job && job.status === 'running' && pages < maxPages && Date.now() - started < budgetMs; pages++) {
      const next: JobRow | null = await runPage(db, projectId, job, Date.now(), pageSize)
      if (next) leaseToken = next.lease_until
      job = next ?? (await db.prepare(`SELECT ${JOB_COLUMNS} FROM feature_rebuilds WHERE project_id = ?1`).bind(projectId).first<JobRow>())
    }
  } finally {
    await db.prepare('UPDATE feature_rebuilds SET lease_until = 0 WHERE project_id = ?1 AND lease_until IN (?2, ?3)').bind(projectId, token, leaseToken).run()
  }
  return { worked: true, progress: await rebuildProgress(db, projectId) }
}

/**
 * Background continuation (waitUntil, daily run): keeps advancing within `budgetMs`, waiting briefly for
 * a lease another worker holds, so a job is never left unattended while someone is about to hand it over.
 */
export async function continueRebuild(db: D1Database, projectId: string, budgetMs = 25_000, pageSize = REBUILD_PAGE): Promise<RebuildProgress | null> {
  const deadline = Date.now() + budgetMs
  for (;;) {
    const { worked, progress: p } = await advanceRebuild(db, projectId, { budgetMs: deadline - Date.now(), pageSize })
    if (!p || p.status === 'done' || Date.now() >= deadline - 1000) return p
    if (!worked) await new Promise((r) => setTimeout(r, 1000))
  }
}
