import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import worker from '../../worker/src/index'
import { scoringRun } from '../../worker/src/jobs/daily-run'
import { SCORING_QUEUE_NAME, type ScoringMessage } from '../../worker/src/jobs/fanout'
import { dayOf } from '../../worker/src/lib/days'
import { runProjectScoring } from '../../worker/src/scoring/run'
import { alignedShards, runShardedScoring } from '../../worker/src/scoring/shard-run'
import { projectState, recordDirectory } from '../../worker/src/shards'
import { api, newProject, type TestProject } from './fixtures'
import { projectRows, recordingQueue, SCORING_BASE, seedScoringBase } from './queue-fixtures'
import { insertStateRows, newShardedProject, rowsOnEveryShard, rowsPerShard } from './state-fixtures'

const DAY = 86_400_000
const { accounts: ACCOUNTS, usersPerAccount: USERS_PER_ACCOUNT } = SCORING_BASE
const WEBHOOK = 'https://crm.example.com/hooks/uptake'

// the seeded projects have a webhook: never the network
beforeEach(() => void vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('ok')))
afterEach(() => vi.restoreAllMocks())

const CONTROL_TABLES = ['accounts', 'features']
const STATE_TABLES = ['users', 'user_days', 'user_feature_days', 'user_event_days']

/** tests/worker/queue-fixtures.ts's scoring data, seeded once into a template project, then copied row by row where each project keeps it. */
let template: Promise<string> | null = null
function templateOf(now: number): Promise<string> {
  template ??= (async () => {
    const t = await newProject('scoring-template')
    await seedScoringBase(t.id, now, dayOf(now + 20 * DAY))
    return t.id
  })()
  return template
}

/** The same rollups in any project, through insertStateRows: user-grain rows into their owning shard (D1 when unsharded). */
async function seed(p: TestProject, now: number): Promise<void> {
  const from = await templateOf(now)
  for (const table of [...CONTROL_TABLES, ...STATE_TABLES]) {
    const { results } = await env.DB.prepare(`SELECT * FROM ${table} WHERE project_id = ?1`)
      .bind(from)
      .all<Record<string, string | number | null>>()
    await insertStateRows(
      p.id,
      table,
      results.map(({ project_id: _, ...row }) => row),
    )
    if (table === 'users' && (await projectState(env, p.id)).sharded)
      await env.DB.batch(
        recordDirectory(
          env.DB,
          p.id,
          results.map((u) => ({ userId: String(u.id), accountId: u.account_id as string | null })),
          now,
        ),
      )
  }
  const settings = { alerts: { webhook_url: WEBHOOK, secret: 'a-long-enough-secret' } }
  expect((await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify(settings) })).status).toBe(200)
}

/** Yesterday's run in line, then more renewals come near (alerts of today's own), as scoring-fanout.test.ts's pair. */
async function yesterday(p: TestProject, now: number) {
  expect((await scoringRun(env, p.id, now - DAY, 'manual')).status).toBe('ok')
  await env.DB.prepare(
    `UPDATE accounts SET attributes_json = json_object('renewal_date', ?2) WHERE project_id = ?1 AND CAST(substr(id, 6) AS INTEGER) % 3 = 1`,
  )
    .bind(p.id, dayOf(now + 30 * DAY))
    .run()
}

const byUser = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.user_id).localeCompare(String(b.user_id))

/** Everything a run writes, without the project id: account grain from D1, user grain from wherever the project keeps it. */
async function written(projectId: string) {
  const rows = projectRows(projectId)
  return {
    scores: await rows(
      `SELECT account_id, day, score, band, pending_band, pending_since, segment, profile, churn_risk, delta30, explanation_json, flags_json,
        data_fresh_until, computed_at FROM account_scores WHERE project_id = ?1 ORDER BY account_id`,
    ),
    snapshots: await rows(
      'SELECT account_id, day, score, band, segment, measures_json, flags_json FROM account_score_snapshots WHERE project_id = ?1 ORDER BY account_id, day',
    ),
    benchmarks: await rows(
      'SELECT segment, measure, n, p25, p50, p75, p90 FROM segment_benchmarks WHERE project_id = ?1 ORDER BY segment, measure',
    ),
    alerts: await rows(
      `SELECT account_id, kind, alert_key, reason, payload_json, delivered_at IS NOT NULL AS delivered, delivery_error FROM account_alerts
       WHERE project_id = ?1 ORDER BY account_id, alert_key`,
    ),
    users: (
      await rowsOnEveryShard<Record<string, unknown>>(
        projectId,
        'SELECT user_id, account_id, score, profile, measures_json, computed_at FROM user_scores WHERE project_id = ?1',
      )
    ).sort(byUser),
    contexts: (
      await rowsOnEveryShard<Record<string, unknown>>(projectId, 'SELECT user_id, account_id FROM user_contexts WHERE project_id = ?1')
    ).sort(byUser),
  }
}

const inD1 = (table: string, projectId: string) =>
  env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`).bind(projectId).first<number>('n')

/** The user-grain results of a sharded project are only in its shards, spread over more than one. */
async function expectLaidOut(projectId: string) {
  for (const table of ['user_scores', 'user_contexts', ...STATE_TABLES]) expect(await inD1(table, projectId)).toBe(0)
  const perShard = await rowsPerShard(projectId, 'user_scores')
  expect(perShard.reduce((a, b) => a + b, 0)).toBe(ACCOUNTS * USERS_PER_ACCOUNT)
  expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(1)
}

let delivery = 0
/** A queued run driven to the end, one message per consumer batch (wrangler.toml), through the worker's queue handler. */
async function drain(workerEnv: typeof env, sent: ScoringMessage[]) {
  for (let i = 0; i < sent.length; i++) {
    const batch = createMessageBatch(SCORING_QUEUE_NAME, [
      { id: `sharded-${++delivery}`, timestamp: new Date(), attempts: 1, body: sent[i] },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as MessageBatch<unknown>, workerEnv)
    expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([])
  }
}

const json = async (path: string, key: string) => {
  const res = await api(path, key)
  expect(res.status).toBe(200)
  return res.json<Record<string, unknown>>()
}

describe('scoring a project whose state is in account shards', { timeout: 60_000 }, () => {
  it('scores in line exactly as the unsharded project: scores, bands, explanations, snapshots, user scores, benchmarks, alerts', async () => {
    const now = Date.now()
    const plain = await newProject('scoring-plain')
    const sharded = await newShardedProject('scoring-sharded', 4)
    await seed(plain, now)
    await seed(sharded, now)
    // the rollups really are spread: none of the sharded project's in D1, users over more than one shard
    expect(await inD1('user_days', sharded.id)).toBe(0)
    expect((await rowsPerShard(sharded.id, 'users')).filter((n) => n > 0).length).toBeGreaterThan(1)
    for (const p of [plain, sharded]) await yesterday(p, now)
    const runs = []
    for (const p of [plain, sharded]) {
      const outcome = await scoringRun(env, p.id, now, 'manual')
      expect(outcome.status).toBe('ok')
      runs.push((outcome as { summary: Record<string, unknown> }).summary)
    }
    const expected = await written(plain.id)
    // not vacuous: every user scored, alerts raised today, benchmarks written
    expect(expected.users).toHaveLength(ACCOUNTS * USERS_PER_ACCOUNT)
    expect(expected.alerts.length).toBeGreaterThanOrEqual(3)
    expect(expected.benchmarks.length).toBeGreaterThan(0)
    expect(expected.contexts.length).toBeGreaterThan(0)
    expect(await written(sharded.id)).toEqual(expected)
    await expectLaidOut(sharded.id)
    // same counts in both run summaries
    for (const k of ['accounts', 'users', 'alerts', 'model_version']) expect(runs[1][k]).toEqual(runs[0][k])

    // a backfill of a past day writes that day's snapshot only, read from the shards the same
    for (const p of [plain, sharded]) expect((await scoringRun(env, p.id, now - 5 * DAY, 'backfill')).status).toBe('ok')
    expect(await written(sharded.id)).toEqual(await written(plain.id))
  }, 180_000)

  it('fans out so that each message works in one state shard, writing what the in-line run writes', async () => {
    const now = Date.now()
    const plain = await newProject('fanout-plain')
    const sharded = await newShardedProject('fanout-sharded', 4)
    await seed(plain, now)
    await seed(sharded, now)
    for (const p of [plain, sharded]) await yesterday(p, now)
    expect((await scoringRun(env, plain.id, now, 'manual')).status).toBe('ok')
    const recorder = recordingQueue<ScoringMessage>()
    const workerEnv = { ...env, SCORING_QUEUE: recorder.queue } as typeof env
    // 2 scoring shards asked, 4 state shards: aligned up to 4, one state shard each
    expect(alignedShards(2, 4)).toBe(4)
    const outcome = await scoringRun(workerEnv, sharded.id, now, 'manual', recorder.queue, { minAccounts: 10, shards: 2 })
    expect(outcome).toMatchObject({ status: 'queued', shards: 4 })
    const state = await projectState(env, sharded.id)
    const { results: keyRows } = await env.DB.prepare(
      `SELECT shard, keys_json FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = 'measure' ORDER BY shard`,
    )
      .bind((outcome as { runId: number }).runId)
      .all<{ shard: number; keys_json: string }>()
    for (const { shard, keys_json } of keyRows) {
      const keys = JSON.parse(keys_json) as { a: string[]; u: string[] }
      const homes = new Set([...keys.a.map((a) => state.indexOf(a, '')), ...keys.u.map((u) => state.indexOf(null, u))])
      expect([...homes]).toEqual([shard % state.shards])
    }
    await drain(workerEnv, recorder.sent)
    expect(recorder.sent.map((m) => m.pass)).toEqual([...Array(4).fill('measure'), ...Array(4).fill('score'), ...Array(4).fill('contexts')])
    const job = await env.DB.prepare('SELECT status, summary_json FROM job_runs WHERE id = ?1')
      .bind((outcome as { runId: number }).runId)
      .first<{ status: string; summary_json: string }>()
    expect(job?.status).toBe('ok')
    expect(JSON.parse(job!.summary_json)).toMatchObject({ accounts: ACCOUNTS, users: ACCOUNTS * USERS_PER_ACCOUNT })
    const expected = await written(plain.id)
    expect(expected.users).toHaveLength(ACCOUNTS * USERS_PER_ACCOUNT)
    expect(await written(sharded.id)).toEqual(expected)
    await expectLaidOut(sharded.id)
  }, 180_000)

  it('scores shard by shard in line (a large project without the queue) exactly as in one pass, each scoring shard in one state shard', async () => {
    const now = Date.now()
    const plain = await newProject('split-plain')
    const sharded = await newShardedProject('split-sharded', 4)
    await seed(plain, now)
    await seed(sharded, now)
    await runProjectScoring(env, plain.id, now)
    const run = await runShardedScoring(env, sharded.id, now, 2)
    // 2 asked, aligned to the 4 state shards
    expect(run.shards.score).toHaveLength(4)
    expect(run.summary).toMatchObject({ accounts: ACCOUNTS, users: ACCOUNTS * USERS_PER_ACCOUNT })
    expect(await written(sharded.id)).toEqual(await written(plain.id))
    await expectLaidOut(sharded.id)
  }, 180_000)

  it('answers the CS reads of user-grain data from the shards exactly as unsharded: portfolio, one account, one user, feature adoption, backtest', async () => {
    const now = Date.now()
    const plain = await newProject('reads-plain')
    const sharded = await newShardedProject('reads-sharded', 4)
    for (const p of [plain, sharded]) {
      await seed(p, now)
      expect((await scoringRun(env, p.id, now, 'manual')).status).toBe('ok')
    }
    const both = (path: string) => Promise.all([json(path, plain.readKey), json(path, sharded.readKey)])
    const [portfolio, portfolioSharded] = await both('/health/accounts?limit=1000')
    const items = portfolio.items as { account_id: string; last_active: string | null }[]
    expect(items).toHaveLength(ACCOUNTS)
    expect(items.filter((i) => i.last_active !== null).length).toBeGreaterThan(ACCOUNTS / 2)
    expect(portfolioSharded).toEqual(portfolio)
    for (const id of ['acct-0', 'acct-17', 'acct-42', 'acct-77']) {
      const [one, oneSharded] = await both(`/health/accounts/${id}`)
      expect((one.users as unknown[]).length).toBe(USERS_PER_ACCOUNT)
      expect((one.features as { users_30d: number }[]).some((f) => f.users_30d > 0)).toBe(true)
      expect(oneSharded).toEqual(one)
    }
    for (const id of ['user-0', 'user-101', `user-${ACCOUNTS * USERS_PER_ACCOUNT - 1}`]) {
      const [u, uSharded] = await both(`/health/users/${id}`)
      expect(uSharded).toEqual(u)
    }
    expect((await api('/health/users/nobody', sharded.readKey)).status).toBe(404)
    const [features, featuresSharded] = await both('/health/features')
    expect((features.features as { accounts_30d: number }[]).some((f) => f.accounts_30d > 1)).toBe(true)
    expect(featuresSharded).toEqual(features)
    // the backtest re-scores accounts with outcomes from the same rollups, read on their shards
    for (const p of [plain, sharded])
      for (let i = 0; i < 12; i++) {
        const body = { kind: i % 3 === 0 ? 'churned' : 'renewed', date: dayOf(now - (2 + (i % 4)) * DAY) }
        expect((await api(`/accounts/acct-${i * 6}/outcomes`, p.adminKey, { method: 'POST', body: JSON.stringify(body) })).status).toBe(201)
      }
    const [backtest, backtestSharded] = await both('/scoring/backtest?days_before=10')
    expect(backtest.scored).toBeGreaterThan(3)
    expect(backtestSharded).toEqual(backtest)
  }, 180_000)
})

describe('a user whose rollups sit on two shards (they moved account)', { timeout: 60_000 }, () => {
  it('loads their 30-day activity and features summed over both shards, as the unsharded project', async () => {
    const { loadScoringInputs } = await import('../../worker/src/scoring/inputs-store')
    const now = Date.now()
    const plain = await newProject('mover-scoring-plain')
    const sharded = await newShardedProject('mover-scoring-sharded', 4)
    const state = await projectState(env, sharded.id)
    const from = 'acct-0'
    const to = ['acct-1', 'acct-2', 'acct-3', 'acct-4', 'acct-5'].find((a) => state.indexOf(a, '') !== state.indexOf(from, ''))!
    const day = (n: number) => dayOf(now - n * DAY)
    const userDay = (d: number, account: string, meaningful: number) => ({
      user_id: 'mover',
      day: day(d),
      account_id: account,
      events: 3,
      meaningful,
      logins: 1,
      value_events: 1,
      value_amount: 5,
      active_seconds: 60,
    })
    for (const p of [plain, sharded]) {
      await insertStateRows(p.id, 'users', [{ id: 'mover', account_id: to, first_seen: now - 50 * DAY, last_seen: now }])
      // the old account's days stay on its shard; the new account's are on the user's home shard
      await insertStateRows(p.id, 'user_days', [userDay(20, from, 2), userDay(10, from, 1), userDay(2, to, 1)])
      await insertStateRows(p.id, 'user_feature_days', [
        { user_id: 'mover', feature_key: 'core', day: day(20), account_id: from, n: 1, amount: 0 },
        { user_id: 'mover', feature_key: 'core', day: day(2), account_id: to, n: 2, amount: 0 },
      ])
    }
    expect((await rowsPerShard(sharded.id, 'user_days')).filter((n) => n > 0)).toHaveLength(2)
    const load = async (source: D1Database | typeof state, projectId: string) => {
      const inputs = await loadScoringInputs(source, projectId, now, [])
      return { activity: inputs.userActivity, features: inputs.userFeatures30 }
    }
    const reference = await load(env.DB, plain.id)
    expect(reference.activity).toEqual([expect.objectContaining({ userId: 'mover', activeDays30: 3, lastActiveDay: day(2) })])
    expect(reference.features).toEqual([{ userId: 'mover', featureKey: 'core' }])
    expect(await load(state, sharded.id)).toEqual(reference)
  })
})
