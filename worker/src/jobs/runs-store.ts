import { scoringRunSummarySchema, type RUN_KINDS, type RUN_STATUSES, type ScoringRunSummary } from '../../../shared/api/scoring'
import { DAY_MS } from '../lib/days'

export type RunKind = (typeof RUN_KINDS)[number]
export type RunStatus = (typeof RUN_STATUSES)[number]

/** Runs are kept this long, then pruned by the daily job. */
export const JOB_RUNS_KEPT_DAYS = 90

export async function startJobRun(
  db: D1Database,
  projectId: string,
  kind: RunKind,
  asOf: string,
  now: number,
  status: RunStatus = 'running',
): Promise<number> {
  const id = await db
    .prepare('INSERT INTO job_runs (project_id, kind, status, as_of, started_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id')
    .bind(projectId, kind, status, asOf, now, status === 'running' ? null : now)
    .first<number>('id')
  return id ?? 0
}

export async function finishJobRun(
  db: D1Database,
  id: number,
  status: Exclude<RunStatus, 'running'>,
  now: number,
  error: string | null,
  summary: ScoringRunSummary | null = null,
): Promise<void> {
  await db
    .prepare('UPDATE job_runs SET status = ?2, finished_at = ?3, error = ?4, summary_json = ?5 WHERE id = ?1')
    .bind(id, status, now, error === null ? null : error.slice(0, 1000), JSON.stringify(summary ?? {}))
    .run()
}

/** One scoring run as recorded. */
export interface JobRun {
  id: number
  kind: RunKind
  status: RunStatus
  asOf: string
  startedAt: number
  finishedAt: number | null
  error: string | null
  /** Null for a run that did not finish (running, failed, skipped). */
  summary: ScoringRunSummary | null
}

interface JobRunRow {
  id: number
  kind: RunKind
  status: RunStatus
  as_of: string
  started_at: number
  finished_at: number | null
  error: string | null
  summary_json: string
}

const parseSummary = (text: string): ScoringRunSummary | null => {
  try {
    return scoringRunSummarySchema.safeParse(JSON.parse(text)).data ?? null
  } catch {
    return null
  }
}

/** A queued run still `running` whose lease is gone or expired can no longer finish: it reads as failed. */
export const ABANDONED_RUN = 'did not finish before its scoring lease expired'

export async function listJobRuns(
  db: D1Database,
  projectId: string,
  status: RunStatus | null,
  limit: number,
  now = Date.now(),
): Promise<JobRun[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM (SELECT j.id, j.kind, j.as_of, j.started_at, j.finished_at, j.summary_json,
         CASE WHEN abandoned THEN 'failed' ELSE j.status END AS status, CASE WHEN abandoned THEN ?5 ELSE j.error END AS error
       FROM (SELECT j.*, (j.status = 'running' AND s.job_run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scoring_leases l
           WHERE l.project_id = j.project_id AND l.holder = s.lease_holder AND l.expires_at > ?4)) AS abandoned
         FROM job_runs j LEFT JOIN scoring_runs s ON s.job_run_id = j.id WHERE j.project_id = ?1) j)
       WHERE ?2 IS NULL OR status = ?2 ORDER BY started_at DESC, id DESC LIMIT ?3`,
    )
    .bind(projectId, status, limit, now, ABANDONED_RUN)
    .all<JobRunRow>()
  return results.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    asOf: r.as_of,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    summary: parseSummary(r.summary_json),
  }))
}

export async function pruneJobRuns(db: D1Database, now: number): Promise<number> {
  const res = await db
    .prepare('DELETE FROM job_runs WHERE started_at < ?1')
    .bind(now - JOB_RUNS_KEPT_DAYS * DAY_MS)
    .run()
  return res.meta.changes
}

/** Every project, for the daily run. */
export async function listProjectIds(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare('SELECT id FROM projects ORDER BY id').all<{ id: string }>()
  return results.map((r) => r.id)
}
