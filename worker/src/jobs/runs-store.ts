export type RunKind = 'daily' | 'manual' | 'backfill'
export type RunStatus = 'running' | 'ok' | 'failed' | 'skipped'

/** Runs are kept this long, then pruned by the daily job. */
export const JOB_RUNS_KEPT_DAYS = 90

export async function startJobRun(db: D1Database, projectId: string, kind: RunKind, asOf: string, now: number, status: RunStatus = 'running'): Promise<number> {
  const id = await db
    .prepare('INSERT INTO job_runs (project_id, kind, status, as_of, started_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id')
    .bind(projectId, kind, status, asOf, now, status === 'running' ? null : now)
    .first<number>('id')
  return id ?? 0
}

export async function finishJobRun(db: D1Database, id: number, status: Exclude<RunStatus, 'running'>, now: number, error: string | null, summary: unknown = {}): Promise<void> {
  await db
    .prepare('UPDATE job_runs SET status = ?2, finished_at = ?3, error = ?4, summary_json = ?5 WHERE id = ?1')
    .bind(id, status, now, error === null ? null : error.slice(0, 1000), JSON.stringify(summary))
    .run()
}

export interface JobRunRow {
  id: number
  kind: RunKind
  status: RunStatus
  as_of: string
  started_at: number
  finished_at: number | null
  error: string | null
  summary_json: string
}

export async function listJobRuns(db: D1Database, projectId: string, status: RunStatus | null, limit: number): Promise<JobRunRow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, kind, status, as_of, started_at, finished_at, error, summary_json FROM job_runs
       WHERE project_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY started_at DESC, id DESC LIMIT ?3`,
    )
    .bind(projectId, status, limit)
    .all<JobRunRow>()
  return results
}

export async function pruneJobRuns(db: D1Database, now: number): Promise<number> {
  const res = await db.prepare('DELETE FROM job_runs WHERE started_at < ?1').bind(now - JOB_RUNS_KEPT_DAYS * 86_400_000).run()
  return res.meta.changes
}
