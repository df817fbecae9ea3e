import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import worker from '../../worker/src/index'
import { scoringRun } from '../../worker/src/jobs/daily-run'
import { SCORING_MAX_ATTEMPTS, SCORING_QUEUE_NAME, type ScoringMessage } from '../../worker/src/jobs/fanout'
import { ABANDONED_RUN } from '../../worker/src/jobs/runs-store'
import { dayOf } from '../../worker/src/lib/days'
import { api, newProject, type TestProject } from './fixtures'
import { projectRows, recordingQueue, SCORING_BASE, scoringWritten, seedBareAccounts, seedScoringBase } from './queue-fixtures'

const DAY = 86_400_000
const { accounts: ACCOUNTS, usersPerAccount: USERS_PER_ACCOUNT } = SCORING_BASE
const SHARDING = { minAccounts: 10, shards: 4 }
const WEBHOOK = 'https://crm.example.com/hooks/uptake'

// the seeded projects have a webhook: never the network
beforeEach(() => void vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('ok')))
afterEach(() => vi.restoreAllMocks())

/**
 * tests/worker/scoring-shards.test.ts's data: 80 accounts over three segments, 4 users each, 45 days, app versions
 * that differ by account, a rule event, users with no account and one whose account has no row; plus renewal dates
 * (renewal-risk alerts) and a webhook.
 */
async function seed(now: number): Promise<TestProject> {
  const p = await newProject('fanout')
  await seedScoringBase(p.id, now, dayOf(now + 20 * DAY))
  const settings = { alerts: { webhook_url: WEBHOOK, secret: 'a-long-enough-secret' } }
  expect((await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify(settings) })).status).toBe(200)
  return p
}

/** Everything a run writes, without the project id or times: what must not depend on how the run went. */
async function written(projectId: string) {
  const rows = projectRows(projectId)
  return {
    ...(await scoringWritten(projectId)),
    alerts: await rows(
      `SELECT account_id, kind, alert_key, reason, payload_json, delivered_at IS NOT NULL AS delivered, delivery_error FROM account_alerts
       WHERE project_id = ?1 ORDER BY account_id, alert_key`,
    ),
    contexts: await rows('SELECT user_id, account_id FROM user_contexts WHERE project_id = ?1 ORDER BY user_id'),
  }
}

let delivery = 0
const message = (body: unknown, attempts = 1) => ({ id: `scoring-${++delivery}`, timestamp: new Date(), attempts, body })

/** One consumer batch through the worker's queue handler: what it acked and retried. */
async function deliver(workerEnv: typeof env, bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    SCORING_QUEUE_NAME,
    bodies.map((b) => message(b, attempts)),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<unknown>, workerEnv)
  return getQueueResult(batch, ctx)
}

/** A queued run driven to the end, one message per consumer batch as wrangler.toml sets it; `each` may redeliver. */
async function drain(workerEnv: typeof env, sent: ScoringMessage[], from = 0, each?: (m: ScoringMessage) => Promise<void>) {
  for (let i = from; i < sent.length; i++) {
    const result = await deliver(workerEnv, [sent[i]])
    expect(result.retryMessages).toEqual([])
    if (each) await each(sent[i])
  }
}

/** The worker's env with the scoring queue recorded (and D1 swapped when given). */
function queueEnv(db: D1Database = env.DB) {
  const recorder = recordingQueue<ScoringMessage>()
  return { recorder, env: { ...env, DB: db, SCORING_QUEUE: recorder.queue } as typeof env }
}

/** env.DB failing every statement whose SQL matches, as a D1 outage in the middle of a pass would. */
function failingDb(pattern: RegExp): D1Database {
  return new Proxy(env.DB, {
    get(target, key) {
      if (key === 'prepare')
        return (sql: string) => {
          if (pattern.test(sql)) throw new Error('D1_ERROR: injected outage')
          return target.prepare(sql)
        }
      const v = Reflect.get(target, key) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

const jobRun = (id: number) =>
  env.DB.prepare('SELECT status, error, summary_json FROM job_runs WHERE id = ?1')
    .bind(id)
    .first<{ status: string; error: string | null; summary_json: string }>()
const phase = (id: number) => env.DB.prepare('SELECT phase FROM scoring_runs WHERE job_run_id = ?1').bind(id).first<string>('phase')
const listed = async (p: TestProject) =>
  (await (await api('/scoring/runs', p.adminKey)).json<{ runs: { id: number; status: string; error: string | null }[] }>()).runs
const passCount = (sent: ScoringMessage[], pass: ScoringMessage['pass']) => sent.filter((m) => m.pass === pass).length

const webhookAlerts = (fetch: ReturnType<typeof vi.spyOn>) =>
  (JSON.parse(String((fetch.mock.calls[0][1] as RequestInit).body)) as { alerts: { account_id: string; kind: string }[] }).alerts
    .map((a) => `${a.account_id}:${a.kind}`)
    .sort()

/** Two projects on the same data scored yesterday in line; today one in line, the other queued. */
async function pair(now: number) {
  const inline = await seed(now)
  const queued = await seed(now)
  const fetch = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('ok'))
  for (const p of [inline, queued]) {
    expect((await scoringRun(env.DB, p.id, now - DAY, 'manual')).status).toBe('ok')
    // today more renewals come near: today's run raises alerts of its own
    await env.DB.prepare(
      `UPDATE accounts SET attributes_json = json_object('renewal_date', ?2) WHERE project_id = ?1 AND CAST(substr(id, 6) AS INTEGER) % 3 = 1`,
    )
      .bind(p.id, dayOf(now + 30 * DAY))
      .run()
  }
  fetch.mockClear()
  expect((await scoringRun(env.DB, inline.id, now, 'manual')).status).toBe('ok')
  expect(fetch).toHaveBeenCalledTimes(1)
  const inlineWebhook = webhookAlerts(fetch)
  fetch.mockClear()
  const q = queueEnv()
  const outcome = await scoringRun(env.DB, queued.id, now, 'manual', q.recorder.queue, SHARDING)
  expect(outcome).toMatchObject({ status: 'queued', shards: 4 })
  const runId = (outcome as { runId: number }).runId
  return { inline, queued, fetch, q, runId, inlineWebhook }
}

describe('scoring fanned out over the queue', () => {
  it('writes exactly the in-line run’s scores, bands, benchmarks, alerts and contexts, and sends the webhook once', async () => {
    const now = Date.now()
    const { inline, queued, fetch, q, runId, inlineWebhook } = await pair(now)
    const expected = await written(inline.id)
    // not vacuous: today's run raised alerts, every user scored, benchmarks written
    expect(inlineWebhook.length).toBeGreaterThanOrEqual(3)
    expect(expected.users).toHaveLength(ACCOUNTS * USERS_PER_ACCOUNT)
    expect(expected.benchmarks.length).toBeGreaterThan(0)
    // queued: nothing scored today yet, the job run is running, pass 1 enqueued per shard
    expect(passCount(q.recorder.sent, 'measure')).toBe(4)
    expect((await jobRun(runId))?.status).toBe('running')
    expect((await listed(queued)).find((r) => r.id === runId)).toMatchObject({ status: 'running', error: null })
    await drain(q.env, q.recorder.sent)
    expect(q.recorder.sent.map((m) => m.pass)).toEqual([
      ...Array(4).fill('measure'),
      ...Array(4).fill('score'),
      ...Array(4).fill('contexts'),
    ])
    expect(await written(queued.id)).toEqual(expected)
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(webhookAlerts(fetch)).toEqual(inlineWebhook)
    // the alerts came from more than one shard, each shard's stored by its own pass 2
    const alerting = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = 'score' AND alerts_upto > alerts_after`,
    )
      .bind(runId)
      .first<number>('n')
    expect(alerting).toBeGreaterThan(1)
    const job = await jobRun(runId)
    expect(job).toMatchObject({ status: 'ok', error: null })
    expect(JSON.parse(job!.summary_json)).toMatchObject({
      accounts: ACCOUNTS,
      users: ACCOUNTS * USERS_PER_ACCOUNT,
      alerts: inlineWebhook.length,
      backfill: false,
    })
    expect(await phase(runId)).toBe('done')
    // the lease is free: the next run starts at once
    expect((await scoringRun(env.DB, queued.id, now, 'manual')).status).toBe('ok')
  }, 120_000)

  it('changes nothing when any message is delivered again, during the run or after it', async () => {
    const now = Date.now()
    const { inline, queued, fetch, q } = await pair(now)
    const expected = await written(inline.id)
    // each message twice in a row, as at-least-once delivery may
    await drain(q.env, q.recorder.sent, 0, async (m) => {
      expect((await deliver(q.env, [m], 2)).retryMessages).toEqual([])
    })
    const sent = q.recorder.sent.length
    expect(sent).toBe(12)
    // and every one again once the run is done
    for (const m of [...q.recorder.sent]) await deliver(q.env, [m], 3)
    expect(q.recorder.sent).toHaveLength(sent)
    expect(await written(queued.id)).toEqual(expected)
    expect(fetch).toHaveBeenCalledTimes(1)
  }, 120_000)

  it('starts pass 2 exactly once when the last two pass-1 completions arrive at once; a pass-2 message run twice at once stores its alerts once', async () => {
    const now = Date.now()
    const { inline, queued, q, runId } = await pair(now)
    const [m0, m1, m2, m3] = q.recorder.sent
    await deliver(q.env, [m0])
    await deliver(q.env, [m1])
    // two consumers at once, plus a duplicate of one of them
    await Promise.all([deliver(q.env, [m2]), deliver(q.env, [m3]), deliver(q.env, [m3], 2)])
    expect(passCount(q.recorder.sent, 'score')).toBe(4)
    expect(await phase(runId)).toBe('score')
    // each pass-2 message twice at once: both score, one stores the shard's alerts
    for (const m of q.recorder.sent.slice(4, 8)) await Promise.all([deliver(q.env, [m]), deliver(q.env, [m], 2)])
    expect(passCount(q.recorder.sent, 'contexts')).toBe(4)
    await drain(q.env, q.recorder.sent, 8)
    expect(await written(queued.id)).toEqual(await written(inline.id))
  }, 120_000)

  it('leaves a run with a failing shard visibly unfinished, and the queue’s retry completes it exactly', async () => {
    const now = Date.now()
    const { inline, queued, fetch, q, runId } = await pair(now)
    const expected = await written(inline.id)
    await drain(q.env, q.recorder.sent.slice(0, 4))
    const scoreMsgs = q.recorder.sent.filter((m) => m.pass === 'score')
    // shard 1's pass 2 stores its alerts and account scores, then D1 fails on the user scores
    const broken = { ...q.env, DB: failingDb(/INSERT INTO user_scores/) } as typeof env
    const failed = await deliver(broken, [scoreMsgs[1]])
    expect(failed.retryMessages.map((m) => m.msgId)).toHaveLength(1)
    for (const m of [scoreMsgs[0], scoreMsgs[2], scoreMsgs[3]]) await deliver(q.env, [m])
    // visible: still running, with the shard's error; the lease is held; no webhook yet
    expect(await phase(runId)).toBe('score')
    const shown = (await listed(queued)).find((r) => r.id === runId)
    expect(shown?.status).toBe('running')
    expect(shown?.error).toMatch(/score shard 1 failed, retrying: .*injected outage/)
    expect(fetch).not.toHaveBeenCalled()
    expect((await scoringRun(env.DB, queued.id, now, 'manual')).status).toBe('busy')
    // the queue redelivers it: the run completes as if nothing had happened (the alerts stored once)
    expect((await deliver(q.env, [scoreMsgs[1]], 2)).retryMessages).toEqual([])
    await drain(q.env, q.recorder.sent, 8)
    expect(await written(queued.id)).toEqual(expected)
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(await jobRun(runId)).toMatchObject({ status: 'ok', error: null })
  }, 120_000)

  it('records the run failed and frees the lease when a shard fails its last attempt', async () => {
    const now = Date.now()
    const p = await seed(now)
    const q = queueEnv()
    const outcome = await scoringRun(env.DB, p.id, now, 'daily', q.recorder.queue, SHARDING)
    const runId = (outcome as { runId: number }).runId
    const broken = { ...q.env, DB: failingDb(/FROM user_days/) } as typeof env
    const last = await deliver(broken, [q.recorder.sent[0]], SCORING_MAX_ATTEMPTS)
    expect(last.retryMessages).toEqual([])
    expect(last.explicitAcks).toHaveLength(1)
    expect(await phase(runId)).toBe('failed')
    const shown = (await listed(p)).find((r) => r.id === runId)
    expect(shown).toMatchObject({ status: 'failed' })
    expect(shown?.error).toMatch(/measure shard 0 failed after 4 attempt\(s\): .*injected outage/)
    // the other shards' messages find the run over and write nothing
    for (const m of q.recorder.sent.slice(1)) await deliver(q.env, [m])
    expect(passCount(q.recorder.sent, 'score')).toBe(0)
    expect((await written(p.id)).scores).toEqual([])
    // and the next run starts
    expect((await scoringRun(env.DB, p.id, now, 'manual')).status).toBe('ok')
  }, 120_000)

  it('scores every pass against the config and features the run started with: an edit mid-run waits for the next run', async () => {
    const now = Date.now()
    const { inline, queued, q, runId } = await pair(now)
    await drain(q.env, q.recorder.sent.slice(0, 4))
    const { config } = await (await api('/scoring/config', queued.adminKey)).json<{ config: { latest_version?: string } }>()
    const put = await api('/scoring/config', queued.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ ...config, latest_version: '9.0.0' }),
    })
    expect(put.status).toBe(200)
    await env.DB.prepare("UPDATE features SET core = 1 - core WHERE project_id = ?1 AND key IN ('f1', 'f4')").bind(queued.id).run()
    await drain(q.env, q.recorder.sent, 4)
    expect(await jobRun(runId)).toMatchObject({ status: 'ok', error: null })
    // the same as the in-line run before the edits, on the same data
    expect(await scoringWritten(queued.id)).toEqual(await scoringWritten(inline.id))
    // and the next run takes the edits
    expect((await scoringRun(env.DB, queued.id, now, 'manual')).status).toBe('ok')
    expect(await scoringWritten(queued.id)).not.toEqual(await scoringWritten(inline.id))
  }, 120_000)

  it('fails a run recorded without its context (before migration 0025) at once, lease freed, when the config changes between its passes', async () => {
    const now = Date.now()
    const p = await seed(now)
    const q = queueEnv()
    const runId = ((await scoringRun(env.DB, p.id, now, 'daily', q.recorder.queue, SHARDING)) as { runId: number }).runId
    await env.DB.prepare('UPDATE scoring_runs SET context_json = NULL WHERE job_run_id = ?1').bind(runId).run()
    await drain(q.env, q.recorder.sent.slice(0, 4))
    const { config } = await (await api('/scoring/config', p.adminKey)).json<{ config: { latest_version?: string } }>()
    const put = await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify({ ...config, latest_version: '9.0.0' }) })
    expect(put.status).toBe(200)
    const r = await deliver(q.env, [q.recorder.sent[4]])
    expect(r.retryMessages).toEqual([])
    expect(await phase(runId)).toBe('failed')
    expect((await jobRun(runId))?.error).toMatch(/score shard 0 failed after 1 attempt\(s\): the scoring config changed during the run/)
    expect((await scoringRun(env.DB, p.id, now, 'manual')).status).toBe('ok')
  }, 120_000)

  it('shows a run whose messages stopped as failed once its lease expires; the next run records it and its late messages do nothing', async () => {
    const now = Date.now()
    const p = await seed(now)
    const q = queueEnv()
    const runId = ((await scoringRun(env.DB, p.id, now, 'daily', q.recorder.queue, SHARDING)) as { runId: number }).runId
    await deliver(q.env, [q.recorder.sent[0]])
    expect((await listed(p)).find((r) => r.id === runId)?.status).toBe('running')
    await env.DB.prepare('UPDATE scoring_leases SET expires_at = ?2 WHERE project_id = ?1')
      .bind(p.id, now - 1)
      .run()
    expect((await listed(p)).find((r) => r.id === runId)).toMatchObject({ status: 'failed', error: ABANDONED_RUN })
    expect(
      (
        await listed(p).then(async () => (await api('/scoring/runs?status=failed', p.adminKey)).json<{ runs: { id: number }[] }>())
      ).runs.map((r) => r.id),
    ).toContain(runId)
    const next = await scoringRun(env.DB, p.id, now, 'manual')
    expect(next.status).toBe('ok')
    expect(await jobRun(runId)).toMatchObject({ status: 'failed', error: ABANDONED_RUN })
    const before = await written(p.id)
    for (const m of q.recorder.sent.slice(1)) await deliver(q.env, [m])
    expect(passCount(q.recorder.sent, 'score')).toBe(0)
    expect(await written(p.id)).toEqual(before)
  }, 120_000)

  it('keeps the small path in line: no queue, a project under the threshold, a backfill; and drops an unreadable message', async () => {
    const now = Date.now()
    const p = await seed(now)
    const q = queueEnv()
    expect((await scoringRun(env.DB, p.id, now, 'manual', q.recorder.queue)).status).toBe('ok')
    expect((await scoringRun(env.DB, p.id, now - 3 * DAY, 'backfill', q.recorder.queue, SHARDING)).status).toBe('ok')
    expect((await scoringRun(env.DB, p.id, now, 'manual', undefined, SHARDING)).status).toBe('ok')
    expect(q.recorder.sent).toEqual([])
    const n = await env.DB.prepare('SELECT COUNT(*) AS n FROM scoring_runs WHERE project_id = ?1').bind(p.id).first<number>('n')
    expect(n).toBe(0)
    for (const bad of [
      { v: 1, runId: 1, pass: 'measure', shard: -1 },
      { v: 1, runId: 'x' },
      'nonsense',
      { v: 1, runId: 1, pass: 'score', shard: 0, extra: 1 },
    ]) {
      const r = await deliver(q.env, [bad])
      expect(r.explicitAcks).toHaveLength(1)
    }
  }, 120_000)

  it('runs to the end through the local queue itself (wrangler.toml’s producer and consumer, as `npm start` has them)', async () => {
    const now = Date.now()
    const p = await seed(now)
    const outcome = await scoringRun(env.DB, p.id, now, 'manual', env.SCORING_QUEUE, SHARDING)
    expect(outcome.status).toBe('queued')
    const runId = (outcome as { runId: number }).runId
    await vi.waitFor(
      async () => {
        expect((await jobRun(runId))?.status).toBe('ok')
      },
      { timeout: 90_000, interval: 250 },
    )
    expect(await phase(runId)).toBe('done')
    expect((await written(p.id)).users).toHaveLength(ACCOUNTS * USERS_PER_ACCOUNT)
    // pruned with its job run (90 days): the run and its shard rows go too
    await env.DB.prepare('DELETE FROM job_runs WHERE id = ?1').bind(runId).run()
    const left = await env.DB.prepare(
      'SELECT (SELECT COUNT(*) FROM scoring_runs WHERE job_run_id = ?1) + (SELECT COUNT(*) FROM scoring_run_shards WHERE job_run_id = ?1) AS n',
    )
      .bind(runId)
      .first<number>('n')
    expect(left).toBe(0)
  }, 120_000)

  it('queues a manual run of a project over 5,000 accounts through the API: 202 with the run, one message per shard', async () => {
    const p = await newProject('fanout-route')
    await seedBareAccounts(p.id, 5001)
    const q = queueEnv()
    const ctx = createExecutionContext()
    const res = await worker.fetch!(
      new Request('http://uptake.test/api/v1/scoring/run', {
        method: 'POST',
        headers: { authorization: `Bearer ${p.adminKey}` },
      }) as Request<unknown, IncomingRequestCfProperties>,
      q.env,
      ctx,
    )
    expect(res.status).toBe(202)
    const body = await res.json<{ run_id: number; status: string; shards: number }>()
    expect(body).toMatchObject({ status: 'running', shards: 8 })
    expect(q.recorder.sent).toEqual(Array.from({ length: 8 }, (_, shard) => ({ v: 1, runId: body.run_id, pass: 'measure', shard })))
    const keys = await env.DB.prepare(
      `SELECT SUM(json_array_length(keys_json, '$.a')) AS n FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = 'measure'`,
    )
      .bind(body.run_id)
      .first<number>('n')
    expect(keys).toBe(5001)
    // a row per shard and pass, inserted by a few statements whatever the shard count
    const rows = await env.DB.prepare(
      'SELECT pass, COUNT(*) AS n FROM scoring_run_shards WHERE job_run_id = ?1 GROUP BY pass ORDER BY pass',
    )
      .bind(body.run_id)
      .all()
    expect(rows.results).toEqual([
      { pass: 'contexts', n: 8 },
      { pass: 'measure', n: 8 },
      { pass: 'score', n: 8 },
    ])
  }, 60_000)
  it('a pass-2 message taken before the run’s phase moved is retried, not run, so the last completion still moves the run on', async () => {
    const now = Date.now()
    const { inline, queued, fetch, q, runId } = await pair(now)
    await drain(q.env, q.recorder.sent.slice(0, 4))
    const scoreMsgs = q.recorder.sent.filter((m) => m.pass === 'score')
    // the gap between the send of pass 2 and the phase update, held open
    await env.DB.prepare("UPDATE scoring_runs SET phase = 'measure' WHERE job_run_id = ?1").bind(runId).run()
    const early = await deliver(q.env, [scoreMsgs[3]])
    expect(early.retryMessages.map((m) => m.msgId)).toHaveLength(1)
    const pending = await env.DB.prepare("SELECT status FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = 'score' AND shard = 3")
      .bind(runId)
      .first<string>('status')
    expect(pending).toBe('pending')
    // nothing noted as an error: it is not one
    expect((await listed(queued)).find((r) => r.id === runId)?.error).toBeNull()
    await env.DB.prepare("UPDATE scoring_runs SET phase = 'score' WHERE job_run_id = ?1").bind(runId).run()
    for (const m of scoreMsgs.slice(0, 3)) await deliver(q.env, [m])
    // the retried message completes pass 2 last and moves the run on
    expect((await deliver(q.env, [scoreMsgs[3]], 2)).retryMessages).toEqual([])
    expect(await phase(runId)).toBe('contexts')
    await drain(q.env, q.recorder.sent, 8)
    expect(await written(queued.id)).toEqual(await written(inline.id))
    expect(fetch).toHaveBeenCalledTimes(1)
  }, 120_000)

  it('answers 503 with Retry-After when the scoring queue refuses the run’s messages, and records the run failed with its lease free', async () => {
    const p = await newProject('fanout-refused')
    await seedBareAccounts(p.id, 5001)
    const refusing = {
      send: async () => Promise.reject(new Error('Queue send failed: overloaded')),
      sendBatch: async () => Promise.reject(new Error('Queue sendBatch failed: overloaded')),
    } as unknown as Queue
    const res = await worker.fetch!(
      new Request('http://uptake.test/api/v1/scoring/run', {
        method: 'POST',
        headers: { authorization: `Bearer ${p.adminKey}` },
      }) as Request<unknown, IncomingRequestCfProperties>,
      { ...env, SCORING_QUEUE: refusing } as typeof env,
      createExecutionContext(),
    )
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('unavailable')
    expect((await listed(p))[0]).toMatchObject({ status: 'failed' })
    // the lease is free: a run in line starts at once
    expect((await scoringRun(env.DB, p.id, Date.now(), 'manual')).status).toBe('ok')
  }, 60_000)
})
