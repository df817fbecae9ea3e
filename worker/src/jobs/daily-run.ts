import type { ScoringRunSummary } from '../../../shared/api/scoring'
import { deliverAlerts, recordAlerts, type RaisedAlerts } from '../alerts'
import { continueRebuild } from '../features'
import { purgeExpiredEvents } from '../ingest'
import { refreshAllUserContexts } from '../nudges'
import { dayOf } from '../lib/days'
import { runScoring, scoringState, type ScoringSource } from '../scoring'
import type { ProjectState } from '../shards'
import { startFanout } from './fanout'
import { failAbandonedRuns, failRunStatements } from './fanout-store'
import { acquireLease, releaseLease } from './lease-store'
import { finishJobRun, listProjectIds, pruneJobRuns, startJobRun, type RunKind } from './runs-store'

/**
 * One project scored, then (a live run, not a backfill) its alerts raised and sent. A project over
 * SHARDED_SCORING_MIN_ACCOUNTS is scored shard by shard in this invocation, each shard's alerts stored after its
 * scores, and the webhook sent once for the run.
 */
async function scoreAndAlert(state: ProjectState, projectId: string, at: number, backfill: boolean): Promise<ScoringRunSummary> {
  const started = Date.now()
  // alerts are account grain: the main D1 whatever the layout
  const db = state.control
  // each part (the project, or each shard) stores its alerts; the webhook goes once for the whole run
  const raised: RaisedAlerts[] = []
  const { summary, alerts } = await runScoring(
    state,
    projectId,
    at,
    backfill,
    backfill
      ? undefined
      : async (inputs, accounts) => {
          const part = await recordAlerts(db, projectId, inputs, accounts, at)
          raised.push(part)
          return part.ids.length
        },
  )
  await deliverAlerts(db, projectId, raised, at)
  // scores, bands and segment cutoffs moved: the nudge decision's per-user contexts follow (a backfill writes history only)
  if (!backfill)
    await refreshAllUserContexts(
      db,
      projectId,
      Date.now(),
      state.all().map((s) => s.db),
    )
  const { project_id, day, model_version, users, rows_read, load_ms, compute_ms } = summary
  return {
    project_id,
    day,
    backfill,
    model_version,
    accounts: summary.accounts,
    users,
    alerts,
    rows_read,
    load_ms,
    compute_ms,
    ms: Date.now() - started,
  }
}

const errorText = (e: unknown) => String((e as Error)?.stack ?? (e as Error)?.message ?? e).slice(0, 1000)

export type RunOutcome =
  | { status: 'ok'; summary: ScoringRunSummary }
  | { status: 'queued'; runId: number; shards: number }
  | { status: 'busy'; retryAfterSeconds: number }

/**
 * One scoring run under the project's lease (runs never overlap), recorded in `job_runs`: `busy` when
 * another run holds the lease; a failure is recorded, then thrown. With the scoring queue bound, a live run of a
 * project over SHARDED_SCORING_MIN_ACCOUNTS is `queued` instead: fanned out per shard (fanout.ts), which then holds
 * the lease and finishes the job run; everything else runs here, in line.
 */
export async function scoringRun(
  /** The main D1 (unsharded projects), or an env with ACCOUNT_SHARDS: a sharded project's rollups and user scores are in its shards */
  source: ScoringSource,
  projectId: string,
  at: number,
  kind: RunKind,
  queue?: Queue,
  /** Where sharding starts and how many shards at least (tests and benches; the defaults otherwise). */
  sharding: { minAccounts?: number; shards?: number } = {},
): Promise<RunOutcome> {
  const state = await scoringState(source, projectId)
  const db = state.control
  const lease = await acquireLease(db, projectId, Date.now())
  if (!lease.acquired) return { status: 'busy', retryAfterSeconds: lease.retryAfterSeconds }
  let handedOver = false
  try {
    // a queued run that lost its lease can no longer finish: it shows as failed from now on
    await failAbandonedRuns(db, projectId, lease.holder, Date.now())
    const runId = await startJobRun(db, projectId, kind, dayOf(at), Date.now())
    try {
      if (queue && kind !== 'backfill') {
        const started = await startFanout(state, queue, { id: runId, projectId, at, leaseHolder: lease.holder }, sharding)
        if (started) {
          handedOver = true
          return { status: 'queued', runId, shards: started.shards }
        }
      }
      const summary = await scoreAndAlert(state, projectId, at, kind === 'backfill')
      await finishJobRun(db, runId, 'ok', Date.now(), null, summary)
      return { status: 'ok', summary }
    } catch (e) {
      await failRunStatements(db, runId, errorText(e), Date.now()).catch(() => {})
      await finishJobRun(db, runId, 'failed', Date.now(), errorText(e)).catch(() => {})
      throw e
    }
  } finally {
    if (!handedOver)
      await releaseLease(db, projectId, lease.holder).catch((e) => console.error('scoring lease not released', projectId, errorText(e)))
  }
}

/**
 * The daily Cron Trigger: every project scored and alerted (a large one queued, fanned out per shard), each on its own (a project that fails is logged,
 * recorded in `job_runs` and listed at GET /api/v1/scoring/runs, and the others carry on), then raw events past
 * retention purged whatever happened before.
 */
export async function dailyRun(
  db: D1Database,
  now: number,
  archive?: R2Bucket,
  queue?: Queue,
  /** ACCOUNT_SHARDS: where sharded projects' user-grain state lives (re-tagging, scoring, purge) */
  shards?: Parameters<typeof purgeExpiredEvents>[3],
) {
  const projects: ScoringRunSummary[] = []
  const queued: { project_id: string; run_id: number; shards: number }[] = []
  const failed: { project_id: string; error: string }[] = []
  const skipped: string[] = []
  for (const id of await listProjectIds(db)) {
    try {
      // a re-tagging job left by a rules change finishes (within a budget) before the project is scored
      if (archive) await continueRebuild({ DB: db, RAW_EVENTS: archive, ACCOUNT_SHARDS: shards }, id, 10_000)
      const outcome = await scoringRun({ DB: db, ACCOUNT_SHARDS: shards }, id, now, 'daily', queue)
      if (outcome.status === 'ok') projects.push(outcome.summary)
      else if (outcome.status === 'queued') queued.push({ project_id: id, run_id: outcome.runId, shards: outcome.shards })
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
    purged = await purgeExpiredEvents(db, now, undefined, shards)
    await pruneJobRuns(db, now)
  } catch (e) {
    console.error('retention purge failed', errorText(e))
  }
  return { projects, queued, failed, skipped, purged }
}
