import { raiseAlerts } from '../alerts'
import { continueRebuild } from '../features'
import { listFeatures } from '../features'
import { finishJobRun, pruneJobRuns, startJobRun, type RunKind } from './runs-store'
import { purgeExpiredEvents } from '../ingest'
import { loadScoringConfig } from '../scoring'
import { loadScoringRows } from '../scoring'
import { acquireLease, releaseLease } from './lease-store'
import { writeAccountScores, writeSegmentBenchmarks, writeUserScores } from '../scoring'
import { loadProjectSettings } from '../projects'
import { segmentBenchmarks } from '../scoring'
import { dayOf } from '../lib/days'
import { scoreProject } from '../scoring'

export type ScoringSummary = Awaited<ReturnType<typeof runProjectScoring>>

/**
 * Scores one project as of `now` and writes the day's snapshot. A live run also writes the latest scores,
 * user scores and benchmarks and raises alerts; a backfill (`backfill`, a past day) writes history only.
 */
export async function runProjectScoring(db: D1Database, projectId: string, now: number, backfill = false) {
  const started = Date.now()
  const [{ version, config }, features, settings] = await Promise.all([
    loadScoringConfig(db, projectId), listFeatures(db, projectId), loadProjectSettings(db, projectId),
  ])
  const ruleEvents = [...new Set(config.rules.flatMap((r) => r.all.flatMap((c) => (c.event ? [c.event] : []))))]
  const rows = await loadScoringRows(db, projectId, now, ruleEvents)
  const loadedMs = Date.now() - started
  const { accounts, users } = scoreProject(rows, config, features, now, { protectedAttributes: settings.attributes.protected, backfill })
  const computedMs = Date.now() - started - loadedMs
  await writeAccountScores(db, projectId, dayOf(now), version, accounts, now, { latest: !backfill })
  let alerts = 0
  if (!backfill) {
    await writeUserScores(db, projectId, users, now)
    await writeSegmentBenchmarks(db, projectId, segmentBenchmarks(accounts), now)
    alerts = await raiseAlerts(db, projectId, rows, accounts, now)
  }
  return {
    project_id: projectId, day: dayOf(now), backfill, model_version: version, accounts: accounts.length, users: users.length, alerts,
    rows_read: rows.rowsRead, load_ms: loadedMs, compute_ms: computedMs, ms: Date.now() - started,
  }
}

const errorText = (e: unknown) => String((e as Error)?.stack ?? (e as Error)?.message ?? e).slice(0, 1000)

export type RunOutcome = { status: 'ok'; summary: ScoringSummary } | { status: 'busy'; retryAfterSeconds: number }

/**
 * One scoring run under the project's lease (runs never overlap), recorded in `job_runs`: `busy` when
 * another run holds the lease; a failure is recorded, then thrown.
 */
export async function scoringRun(db: D1Database, projectId: string, at: number, kind: RunKind): Promise<RunOutcome> {
  const lease = await acquireLease(db, projectId, Date.now())
  if (!lease.acquired) return { status: 'busy', retryAfterSeconds: lease.retryAfterSeconds }
  try {
    const runId = await startJobRun(db, projectId, kind, dayOf(at), Date.now())
    try {
      const summary = await runProjectScoring(db, projectId, at, kind === 'backfill')
      await finishJobRun(db, runId, 'ok', Date.now(), null, summary)
      return { status: 'ok', summary }
    } catch (e) {
      await finishJobRun(db, runId, 'failed', Date.now(), errorText(e)).catch(() => {})
      throw e
    }
  } finally {
    await releaseLease(db, projectId, lease.holder).catch((e) => console.error('scoring lease not released', projectId, errorText(e)))
  }
}

/**
 * The daily Cron Trigger: every project scored, each on its own (a project that fails is logged, recorded
 * in `job_runs` and listed at GET /api/v1/scoring/runs, and the others carry on), then raw events past
 * retention purged whatever happened before.
 */
export async function dailyRun(db: D1Database, now: number) {
  const { results } = await db.prepare('SELECT id FROM projects ORDER BY id').all<{ id: string }>()
  const projects: ScoringSummary[] = []
  const failed: { project_id: string; error: string }[] = []
  const skipped: string[] = []
  for (const { id } of results) {
    try {
      // a re-tagging job left by a rules change finishes (within a budget) before the project is scored
      await continueRebuild(db, id, 10_000)
      const outcome = await scoringRun(db, id, now, 'daily')
      if (outcome.status === 'ok') projects.push(outcome.summary)
      else {
        // a manual run is scoring this project right now: that run stands for today's
        skipped.push(id)
        await startJobRun(db, id, 'daily', dayOf(now), Date.now(), 'skipped')
      }
    } catch (e) {
      console.error('daily scoring failed', id, errorText(e))
      failed.push({ project_id: id, error: String((e as Error)?.message ?? e).slice(0, 300) })
    }
  }
  let purged: number | null = null
  try {
    purged = await purgeExpiredEvents(db, now)
    await pruneJobRuns(db, now)
  } catch (e) {
    console.error('retention purge failed', errorText(e))
  }
  return { projects, failed, skipped, purged }
}
