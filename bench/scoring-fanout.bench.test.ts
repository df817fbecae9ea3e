import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject } from '../tests/worker/fixtures'
import worker from '../worker/src/index'
import { scoringRun } from '../worker/src/jobs/daily-run'
import { SCORING_QUEUE_NAME, type ScoringMessage } from '../worker/src/jobs/fanout'
import { meterD1 } from './d1-meter'
import { rowsWritten, seed, USERS_PER_ACCOUNT, withoutRollupIndexes } from './scoring-seed'

/** 10,000 accounts × 10 users = the 100,000-user point of bench/scoring.bench.test.ts, over the default 8 shards. */
const ACCOUNTS = Number(
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.FANOUT_BENCH_ACCOUNTS ?? 10_000,
)

/**
 * A daily run of a project over SHARDED_SCORING_MIN_ACCOUNTS fanned out through the scoring queue: the cron's part
 * (list and split the keys, record the run, enqueue pass 1), then every message as its own consumer invocation, one
 * after another (one consumer; in production they run side by side). Each invocation's wall time and D1 rows read
 * (D1's own `meta.rows_read`, every statement) is what must fit a Worker invocation.
 */
it('measures a fanned-out scoring run at 100,000 users: wall time and rows read per message, the run in total, and the same run in one invocation', async () => {
  const now = Date.now()
  const p = await newProject(`fanout-${ACCOUNTS}`)
  const t0 = Date.now()
  await withoutRollupIndexes(async () => void (await seed(p.id, ACCOUNTS, now)))
  const seedMs = Date.now() - t0
  const meter = meterD1(env.DB)
  const sent: ScoringMessage[] = []
  const queue = {
    async send(body: unknown) {
      sent.push(JSON.parse(JSON.stringify(body)) as ScoringMessage)
    },
    async sendBatch(messages: { body: unknown }[]) {
      for (const m of messages) sent.push(JSON.parse(JSON.stringify(m.body)) as ScoringMessage)
    },
  } as unknown as Queue
  const workerEnv = { ...env, DB: meter.db, SCORING_QUEUE: queue } as typeof env
  const started = Date.now()
  // below the threshold (a quick try of the bench) the run is sharded anyway
  const outcome = await scoringRun(meter.db, p.id, now, 'daily', queue, ACCOUNTS > 5_000 ? {} : { minAccounts: 10 })
  const start = { ms: Date.now() - started, rows_read: meter.rowsRead, rows_written: meter.rowsWritten }
  expect(outcome.status).toBe('queued')
  const runId = (outcome as { runId: number }).runId
  let stored: D1Result | undefined
  const invocations: { pass: string; shard: number; ms: number; rows_read: number; rows_written: number; moved_on: boolean }[] = []
  for (let i = 0; i < sent.length; i++) {
    meter.reset()
    const before = sent.length
    const batch = createMessageBatch(SCORING_QUEUE_NAME, [{ id: `m${i}`, timestamp: new Date(), attempts: 1, body: sent[i] }])
    const t = Date.now()
    await worker.queue(batch as MessageBatch<unknown>, workerEnv)
    const ms = Date.now() - t
    expect((await getQueueResult(batch, createExecutionContext())).retryMessages).toEqual([])
    invocations.push({
      pass: sent[i].pass,
      shard: sent[i].shard,
      ms,
      rows_read: meter.rowsRead,
      rows_written: meter.rowsWritten,
      // the message that completed its pass also moved the run on (enqueued the next pass, or finished it)
      moved_on: sent.length > before || (sent[i].pass === 'contexts' && i === sent.length - 1),
    })
    console.log(`fanout message ${JSON.stringify(invocations[invocations.length - 1])}`)
    // what pass 1 stored per shard (dropped when the run finishes): its keys and its cohort summary, in bytes
    if (sent[i].pass === 'measure' && sent.length > before)
      stored = await env.DB.prepare(
        `SELECT shard, accounts, users, rows_read, rows_loaded, length(keys_json) AS keys_bytes, length(summary_json) AS summary_bytes
         FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = 'measure' ORDER BY shard`,
      )
        .bind(runId)
        .all()
  }
  const totalMs = Date.now() - started
  const job = await env.DB.prepare('SELECT status, summary_json FROM job_runs WHERE id = ?1')
    .bind(runId)
    .first<{ status: string; summary_json: string }>()
  expect(job?.status).toBe('ok')
  // the same run in one invocation, as without the queue (shard after shard, alerts, user contexts), same data and day
  meter.reset()
  const t1 = Date.now()
  const inline = await scoringRun(meter.db, p.id, now, 'daily')
  const inlineRun = { ms: Date.now() - t1, rows_read: meter.rowsRead, rows_written: meter.rowsWritten }
  expect(inline.status).toBe('ok')
  const byPass = (pass: string) => invocations.filter((x) => x.pass === pass)
  const stats = (xs: typeof invocations) => ({
    messages: xs.length,
    max_ms: Math.max(...xs.map((x) => x.ms)),
    sum_ms: xs.reduce((a, x) => a + x.ms, 0),
    max_rows_read: Math.max(...xs.map((x) => x.rows_read)),
    sum_rows_read: xs.reduce((a, x) => a + x.rows_read, 0),
  })
  const longest = invocations.reduce((a, x) => (x.ms > a.ms ? x : a))
  console.log(
    `BENCH scoring_fanout ${JSON.stringify({
      accounts: ACCOUNTS,
      users: ACCOUNTS * USERS_PER_ACCOUNT,
      seed_ms: seedMs,
      start,
      passes: { measure: stats(byPass('measure')), score: stats(byPass('score')), contexts: stats(byPass('contexts')) },
      longest_invocation: longest,
      total_ms: totalMs,
      inline_one_invocation: inlineRun,
      rows_written: await rowsWritten(p.id),
      summary: JSON.parse(job!.summary_json),
      shards: stored?.results,
      invocations,
    })}`,
  )
  expect(invocations).toHaveLength(3 * (outcome as { shards: number }).shards)
}, 3_600_000)
