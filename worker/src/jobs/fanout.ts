import { z } from 'zod'
import type { ScoringRunSummary } from '../../../shared/api/scoring'
import { deliverAlerts, raiseAlerts } from '../alerts'
import { ApiError } from '../http/errors'
import { dayOf } from '../lib/days'
import { refreshUserContexts } from '../nudges'
import {
  measureQueuedShard,
  planShardedRun,
  scoreQueuedShard,
  ScoringConfigChanged,
  scoringState,
  splitByShard,
  writeQueuedBenchmarks,
  type ScoringSource,
  type ShardKeys,
} from '../scoring'
import type { ProjectState, StateEnv } from '../shards'
import {
  advancePhase,
  claimWebhook,
  completeShard,
  doneShards,
  failRunStatements,
  finishRun,
  insertRunStatements,
  loadRun,
  loadShard,
  noteShardError,
  PASSES,
  runAlerts,
  runTotals,
  shardKeys,
  shardSummaries,
  shardUserIds,
  shardUsersOn,
  storeShardAlerts,
  type FanoutRun,
  type Pass,
  type ShardResult,
} from './fanout-store'
import { releaseLease, renewLease } from './lease-store'
import { ABANDONED_RUN } from './runs-store'

/** The scoring queue's name (wrangler.toml); its binding is SCORING_QUEUE. */
export const SCORING_QUEUE_NAME = 'uptake-scoring'
/** Deliveries of one message before the run is recorded failed (wrangler.toml `max_retries`, plus the first). */
export const SCORING_MAX_ATTEMPTS = 4
/** More shards than any project gets (10,000 accounts per … 1,250-account shards: 8; a million accounts: 800). */
export const MAX_SHARDS = 1024
/** A stored cohort summary must fit a D1 row (2 MB) with room to spare. */
export const MAX_SUMMARY_BYTES = 1_500_000

/** One shard's pass of one queued run: everything else is in D1 (scoring_runs, scoring_run_shards). */
export const scoringMessageSchema = z.strictObject({
  v: z.literal(1),
  runId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  pass: z.enum(PASSES),
  shard: z
    .number()
    .int()
    .min(0)
    .max(MAX_SHARDS - 1),
})
export type ScoringMessage = z.infer<typeof scoringMessageSchema>

/** A shard's keys JSON stays well inside a D1 row (2 MB). */
export const MAX_KEYS_BYTES = 1_500_000

const maxKeysBytes = (keys: ShardKeys[]) =>
  Math.max(0, ...keys.map((k) => new TextEncoder().encode(JSON.stringify({ a: k.accountIds, u: k.looseUserIds })).length))

/** Every pass scores against the context the run started with: an edit mid-run waits for the next run. */
const runContext = (run: FanoutRun) => ({ version: run.modelVersion, snapshot: run.context })

/** Thrown for a step that no retry can mend: the run is recorded failed at once. */
class RunCannotFinish extends Error {}

const errorText = (e: unknown) => String((e as Error)?.message ?? e).slice(0, 1000)

/** One message per shard of a pass; sendBatch takes 100 at most. */
async function enqueuePass(queue: Queue, runId: number, pass: Pass, shards: number): Promise<void> {
  const messages = Array.from({ length: shards }, (_, shard) => ({ body: { v: 1, runId, pass, shard } satisfies ScoringMessage }))
  for (let i = 0; i < messages.length; i += 100) await queue.sendBatch(messages.slice(i, i + 100))
}

export type StartedFanout = { shards: number } | null

/**
 * Starts a queued run of a project over its sharding threshold (null below it: the caller scores in line). The job
 * run, lease and shard keys are recorded, then one pass-1 message per shard is enqueued; the consumer takes it from there.
 */
export async function startFanout(
  source: ScoringSource,
  queue: Queue,
  run: { id: number; projectId: string; at: number; leaseHolder: string },
  opts: { minAccounts?: number; shards?: number } = {},
): Promise<StartedFanout> {
  const state = await scoringState(source, run.projectId)
  const db = state.control
  const plan = await planShardedRun(state, run.projectId, opts)
  if (!plan) return null
  // every shard's keys must fit its row (account-less users count too): more shards until they do (doubling keeps them a multiple of the state shards)
  while (maxKeysBytes(plan.keys) > MAX_KEYS_BYTES && plan.shards * 2 <= MAX_SHARDS) {
    plan.shards *= 2
    plan.keys = splitByShard(
      plan.keys.flatMap((k) => k.accountIds),
      plan.keys.flatMap((k) => k.looseUserIds),
      plan.shards,
    )
  }
  if (plan.shards > MAX_SHARDS) throw new RangeError(`${plan.shards} shards: at most ${MAX_SHARDS}`)
  const now = Date.now()
  const record: FanoutRun = {
    ...run,
    shards: plan.shards,
    phase: 'measure',
    modelVersion: plan.version,
    listRowsRead: plan.listRowsRead,
    startedAt: now,
    context: plan.context,
  }
  await db.batch(insertRunStatements(db, record, plan.keys, now))
  try {
    await enqueuePass(queue, run.id, 'measure', plan.shards)
  } catch (e) {
    // the caller records the run failed and frees the lease; the client may retry
    console.warn('scoring queue refused', errorText(e))
    throw new ApiError(503, 'unavailable', 'The scoring queue is busy; retry shortly')
  }
  return { shards: plan.shards }
}

/** Records the run failed and lets the next run take the lease. */
export async function failRun(db: D1Database, run: Pick<FanoutRun, 'id' | 'projectId' | 'leaseHolder'>, error: string): Promise<void> {
  await failRunStatements(db, run.id, error, Date.now())
  await releaseLease(db, run.projectId, run.leaseHolder)
}

/** Pass 1: the shard's raw measures summarised per segment. */
async function measure(state: ProjectState, run: FanoutRun, keys: ShardKeys): Promise<ShardResult> {
  const { summary, stats } = await measureQueuedShard(state, run.projectId, run.at, runContext(run), keys)
  if (new TextEncoder().encode(JSON.stringify(summary)).length > MAX_SUMMARY_BYTES)
    throw new RunCannotFinish(`shard cohort summary over ${MAX_SUMMARY_BYTES} bytes: the project needs more shards`)
  return { summary, accounts: stats.accounts, users: stats.users, rowsRead: stats.rows_read, rowsLoaded: stats.rows_loaded, ms: stats.ms }
}

/** Pass 2: the shard scored against every shard's summary; its alerts stored once before its scores are written. */
async function score(state: ProjectState, run: FanoutRun, shard: number, keys: ShardKeys, alertsStored: boolean): Promise<ShardResult> {
  // the run's record, alerts and scores are account grain: the main D1; user scores go to the users' shard
  const db = state.control
  const summaries = await shardSummaries(db, run.id)
  // pass 2 is enqueued only once pass 1 is done everywhere: anything else is a bug, not a reason to score
  if (summaries.length !== run.shards) throw new RunCannotFinish(`${summaries.length} of ${run.shards} shard summaries stored`)
  const stats = await scoreQueuedShard(state, run.projectId, run.at, runContext(run), keys, summaries, async (inputs, accounts) => {
    if (alertsStored) return
    const alerts = await raiseAlerts(db, run.projectId, inputs, accounts, run.at)
    await storeShardAlerts(db, run.projectId, run.id, shard, alerts, run.at)
  })
  return { accounts: stats.accounts, users: stats.users, rowsRead: stats.rows_read, rowsLoaded: stats.rows_loaded, ms: stats.ms }
}

/** Pass 3: the shard's users' nudge-decision contexts (scores, bands and cutoffs moved). */
async function contexts(state: ProjectState, run: FanoutRun, shard: number): Promise<ShardResult> {
  const started = Date.now()
  const db = state.control
  if (!state.sharded) {
    const users = await shardUserIds(db, run.projectId, run.id, shard)
    await refreshUserContexts(db, db, run.projectId, users, Date.now())
    return { users: users.length, ms: Date.now() - started }
  }
  // the shard's users listed where they live: one state shard when the scoring shards are aligned (alignedShards)
  const keys = await shardKeys(db, run.id, shard)
  const groups = new Map<number, ShardKeys>()
  const at = (i: number) => groups.get(i) ?? groups.set(i, { accountIds: [], looseUserIds: [] }).get(i)!
  for (const a of keys.accountIds) at(state.indexOf(a, '')).accountIds.push(a)
  for (const u of keys.looseUserIds) at(state.indexOf(null, u)).looseUserIds.push(u)
  let users = 0
  for (const [index, own] of groups) {
    const shardDb = state.shard(index)
    const ids = await shardUsersOn(shardDb, run.projectId, own)
    await refreshUserContexts(db, shardDb, run.projectId, ids, Date.now())
    users += ids.length
  }
  return { users, ms: Date.now() - started }
}

/** The summary of a finished run, counted as the in-line run counts it. */
async function summaryOf(db: D1Database, run: FanoutRun, now: number): Promise<ScoringRunSummary> {
  const t = await runTotals(db, run.id)
  return {
    project_id: run.projectId,
    day: dayOf(run.at),
    backfill: false,
    model_version: run.modelVersion,
    accounts: t.score.accounts,
    users: t.score.users,
    alerts: t.score.alerts,
    rows_read: run.listRowsRead + t.measure.rows_read + t.score.rows_read,
    load_ms: t.measure.ms,
    compute_ms: t.score.ms,
    ms: now - run.startedAt,
  }
}

/**
 * Every shard of `pass` is done: the run moves on. Each step is idempotent (benchmarks rewritten whole, the webhook
 * claimed once, the next pass's messages skip done shards), and the phase moves last, so a message redelivered after
 * a crash here redoes what was left and nothing twice.
 */
async function advance(db: D1Database, queue: Queue, run: FanoutRun, pass: Pass): Promise<void> {
  if (pass === 'measure') {
    await enqueuePass(queue, run.id, 'score', run.shards)
    await advancePhase(db, run.id, 'measure', 'score', Date.now())
    return
  }
  if (pass === 'score') {
    await writeQueuedBenchmarks(db, run.projectId, runContext(run), await shardSummaries(db, run.id), Date.now())
    // at most once: a crash between the claim and the send leaves the alerts stored, undelivered (delivered_at null)
    if (await claimWebhook(db, run.id, Date.now()))
      await deliverAlerts(db, run.projectId, [await runAlerts(db, run.projectId, run.id)], run.at)
    await enqueuePass(queue, run.id, 'contexts', run.shards)
    await advancePhase(db, run.id, 'score', 'contexts', Date.now())
    return
  }
  const now = Date.now()
  await finishRun(db, run.id, await summaryOf(db, run, now), now)
  await releaseLease(db, run.projectId, run.leaseHolder)
}

/**
 * One message: the shard's pass unless already done, then, when that made the pass complete, the run's next phase.
 * Only the message whose completion brought the count to the total moves the run on (one transaction decides), or a
 * redelivery that finds its shard already done (its first delivery died before moving the run on).
 */
export async function runScoringStep(source: D1Database | StateEnv, queue: Queue, msg: ScoringMessage): Promise<'ran' | 'early'> {
  const db = 'prepare' in source ? source : source.DB
  const run = await loadRun(db, msg.runId)
  // finished, failed or unknown: nothing left for this message
  if (!run || run.phase === 'done' || run.phase === 'failed' || msg.shard >= run.shards) return 'ran'
  // sent just before the run's phase moved (advance enqueues first): taken now, its completion could not move the run on
  if (PASSES.indexOf(msg.pass) > PASSES.indexOf(run.phase)) return 'early'
  if (!(await renewLease(db, run.projectId, run.leaseHolder, Date.now()))) {
    await failRunStatements(db, run.id, ABANDONED_RUN, Date.now())
    return 'ran'
  }
  const row = await loadShard(db, run.id, msg.pass, msg.shard)
  if (!row) return 'ran'
  let moveOn: boolean
  if (row.status === 'pending') {
    const state = await scoringState(source, run.projectId)
    const keys = await shardKeys(db, run.id, msg.shard)
    const result =
      msg.pass === 'measure'
        ? await measure(state, run, keys)
        : msg.pass === 'score'
          ? await score(state, run, msg.shard, keys, row.alertsToken !== null)
          : await contexts(state, run, msg.shard)
    const done = await completeShard(db, run.id, msg.pass, msg.shard, result, Date.now())
    moveOn = done.flipped && done.done === run.shards
  } else moveOn = (await doneShards(db, run.id, msg.pass)) === run.shards
  if (moveOn && run.phase === msg.pass) await advance(db, queue, run, msg.pass)
  return 'ran'
}

// a failing step waits 10, 20, 40 s before its next try (never longer than 5 minutes)
const retryDelaySeconds = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1))

/**
 * The scoring queue's consumer: each message validated, run, acked; a failure retried by the queue with backoff and
 * noted on the running job; on its last attempt (or a failure no retry mends) the run is recorded failed and the lease freed.
 */
export async function consumeScoring(batch: MessageBatch<unknown>, env: StateEnv & { SCORING_QUEUE?: Queue }): Promise<void> {
  for (const message of batch.messages) {
    const parsed = scoringMessageSchema.safeParse(message.body)
    if (!parsed.success) {
      // no run to move on or fail: logged and dropped
      console.error('unreadable scoring message', message.id, parsed.error.message.slice(0, 300))
      message.ack()
      continue
    }
    const msg = parsed.data
    try {
      if (!env.SCORING_QUEUE) throw new RunCannotFinish('SCORING_QUEUE is not bound')
      if ((await runScoringStep(env, env.SCORING_QUEUE, msg)) === 'early') {
        // the phase moves milliseconds after the send; past the attempts, the advancing message's own retry re-sends this pass
        if (message.attempts >= SCORING_MAX_ATTEMPTS) message.ack()
        else message.retry({ delaySeconds: 2 })
        continue
      }
      message.ack()
    } catch (e) {
      const error = errorText(e)
      console.warn('scoring step failed', JSON.stringify(msg), message.attempts, error)
      const final = message.attempts >= SCORING_MAX_ATTEMPTS || e instanceof RunCannotFinish || e instanceof ScoringConfigChanged
      try {
        if (final) {
          const run = await loadRun(env.DB, msg.runId)
          if (run) await failRun(env.DB, run, `${msg.pass} shard ${msg.shard} failed after ${message.attempts} attempt(s): ${error}`)
          message.ack()
        } else {
          await noteShardError(env.DB, msg.runId, msg.pass, msg.shard, error)
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
        }
      } catch {
        // D1 itself failing: the queue retries (or drops it after max_retries; the lease expiry then fails the run)
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
      }
    }
  }
}
