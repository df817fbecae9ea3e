// Nudges on sharded state (issue 13): the same users, accounts, rollups, scores and nudge states seeded into an
// unsharded project and into one whose user-grain state lives in 4 account shards give the same contexts, decisions,
// performance and timelines; the decision reads one D1 statement and one shard statement; interactions land in the
// user's shard, and D1 keeps none of the sharded project's user-grain rows.
import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { daysAgo } from '../../worker/src/lib/days'
import { applyNudgeInteractions, refreshAllUserContexts, refreshUserContexts } from '../../worker/src/nudges'
import { answerNudges } from '../../worker/src/nudges/decision-routes'
import { nudgeDecisionInputs } from '../../worker/src/nudges/user-context-store'
import type { NudgeInteraction } from '../../worker/src/nudges/interactions'
import { projectState, recordDirectory, type ProjectState } from '../../worker/src/shards'
import { api, newProject, post, type TestProject } from './fixtures'
import { insertStateRows, newShardedProject, rowsOnEveryShard, rowsPerShard, USER_GRAIN } from './state-fixtures'

const DAY = 86_400_000
const NOW = Date.now()
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => `acct_${String(i).padStart(2, '0')}`)
const USERS = [
  ...ACCOUNTS.flatMap((account) => [0, 1, 2, 3].map((k) => ({ id: `${account}-u${k}`, account: account as string | null, k }))),
  ...[0, 1, 2].map((k) => ({ id: `solo-${k}`, account: null as string | null, k })),
]
const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5']
const SEGMENTS = ['smb', 'mid', 'ent']

const step = (n: number) => ({ title: { default: `Step ${n + 1}` }, body: { default: `Body ${n + 1}` } })
const NUDGES: Record<string, Record<string, unknown>> = {
  'tip-f1': {
    kind: 'banner',
    priority: 50,
    target_feature: 'f1',
    holdout: { share: 0.3 },
    targeting: { feature_not_used: 'f1' },
  },
  'low-health': { kind: 'banner', priority: 40, holdout: { share: 0 }, targeting: { max_health_score: 60 } },
  breadth: {
    kind: 'banner',
    priority: 30,
    target_feature: 'f2',
    holdout: { share: 0.5, unit: 'account' },
    targeting: { breadth_below_segment_percentile: 50 },
  },
  'trial-admin': {
    kind: 'banner',
    priority: 20,
    holdout: { share: 0 },
    targeting: {
      account_attributes: [{ attribute: 'plan', op: '==', value: 'trial' }],
      user_attributes: [{ attribute: 'role', op: '==', value: 'admin' }],
    },
  },
  'tour-1': {
    kind: 'tour',
    priority: 60,
    holdout: { share: 0 },
    targeting: { min_days_since_signup: 15 },
    steps: [step(0), step(1), step(2)],
  },
  'nps-1': { kind: 'nps', priority: 10, holdout: { share: 0 }, targeting: {} },
}

type Row = Record<string, string | number | null>

/** The seed, the same for both projects: control and account-grain rows to D1, user-grain rows where the layout keeps them. */
async function seed(p: TestProject) {
  const db = env.DB
  await db.batch([
    ...FEATURES.map((f, i) =>
      db
        .prepare(
          `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at) VALUES (?1, ?2, ?2, 'feature', ?3, '[]', 0, 0)`,
        )
        .bind(p.id, f, i < 3 ? 1 : 0),
    ),
    ...ACCOUNTS.flatMap((a, i) => [
      db
        .prepare(
          `INSERT INTO accounts (project_id, id, name, traits_json, attributes_json, first_seen, last_seen) VALUES (?1, ?2, ?2, ?3, '{}', 0, 0)`,
        )
        .bind(p.id, a, JSON.stringify({ plan: i % 3 === 0 ? 'trial' : 'team', seats: 5 + i })),
      ...(i % 6 === 5
        ? [] // some accounts were never scored
        : [
            db
              .prepare(
                `INSERT INTO account_scores (project_id, account_id, day, model_version, score, band, segment, profile, explanation_json, computed_at)
                 VALUES (?1, ?2, '2026-01-01', 'v', ?3, ?4, ?5, 'default', ?6, 0)`,
              )
              .bind(
                p.id,
                a,
                (i * 17) % 100,
                ['red', 'yellow', 'green'][i % 3],
                SEGMENTS[i % 3],
                JSON.stringify({ measures: [{ key: 'feature_breadth', raw: (i % 5) / 5 }] }),
              ),
          ]),
    ]),
    ...SEGMENTS.map((segment, i) =>
      db
        .prepare(
          `INSERT INTO segment_benchmarks (project_id, segment, measure, n, p25, p50, p75, p90, computed_at) VALUES (?1, ?2, 'feature_breadth', ?3, 0.2, 0.45, 0.7, 0.9, 0)`,
        )
        .bind(p.id, segment, i === 2 ? 3 : 25),
    ),
  ])
  const users: Row[] = []
  const featureDays: Row[] = []
  const states: Row[] = []
  const events: Row[] = []
  USERS.forEach((u, j) => {
    users.push({
      id: u.id,
      account_id: u.account,
      traits_json: JSON.stringify({ role: u.k === 0 ? 'admin' : 'member', email: `${u.id}@x.test` }),
      first_seen: NOW - (10 + j) * DAY,
      last_seen: NOW,
    })
    for (let d = 0; d <= j % 5; d++)
      featureDays.push({
        user_id: u.id,
        account_id: u.account,
        feature_key: FEATURES[(j + d) % 6],
        day: daysAgo(NOW, d * 4),
        n: 1,
        amount: 0,
      })
    const exposed = NOW - 10 * DAY
    if (j % 3 === 0) {
      states.push({
        user_id: u.id,
        account_id: u.account,
        nudge_key: 'tip-f1',
        exposure: j % 6 === 3 ? 'holdout' : 'shown',
        shows: j % 6 === 3 ? 0 : 1 + (j % 3),
        first_exposed_at: exposed,
        last_shown_at: j % 6 === 3 ? null : exposed,
        clicked_at: j % 2 ? exposed + 1000 : null,
      })
      // some of them converted: the target feature used within the window after exposure
      if (j % 4 === 0) featureDays.push({ user_id: u.id, account_id: u.account, feature_key: 'f1', day: daysAgo(NOW, 8), n: 1, amount: 0 })
    }
    if (j % 4 === 1)
      states.push({
        user_id: u.id,
        account_id: u.account,
        nudge_key: 'tour-1',
        exposure: 'shown',
        shows: 1,
        first_exposed_at: exposed + j,
        last_shown_at: exposed + j,
        tour_step: 1,
        tour_shown_steps: 3,
        tour_advanced_steps: 1,
        tour_dismissed_steps: j % 8 === 1 ? 2 : 0,
      })
    if (j % 5 === 2) {
      const at = NOW - 2 * DAY - j * 1000
      states.push({
        user_id: u.id,
        account_id: u.account,
        nudge_key: 'nps-1',
        exposure: 'shown',
        shows: 1,
        first_exposed_at: at - 5000,
        last_shown_at: at - 5000,
        completed_at: at,
      })
      events.push({
        message_id: `nps-${u.id}`,
        type: 'track',
        kind: 'system',
        name: '$nudge_answered',
        user_id: u.id,
        account_id: u.account,
        ts: at,
        received_at: at,
        properties_json: JSON.stringify({ nudge: 'nps-1', score: j % 11 }),
      })
    }
  })
  await insertStateRows(p.id, 'users', users)
  await insertStateRows(p.id, 'user_feature_days', featureDays)
  await insertStateRows(p.id, 'nudge_states', states)
  await insertStateRows(p.id, 'events', events)
  const state = await projectState(env, p.id)
  // a sharded project knows where each user lives (ingest keeps the directory; an unsharded one keeps none)
  if (state.sharded)
    await env.DB.batch(
      recordDirectory(
        env.DB,
        p.id,
        USERS.map((u) => ({ userId: u.id, accountId: u.account })),
        NOW,
      ),
    )
  expect(
    (await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 10, max_per_week: 50 } }) }))
      .status,
  ).toBe(200)
  for (const [key, n] of Object.entries(NUDGES)) {
    const res = await api(`/nudges/${key}`, p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ title: { default: key }, body: { default: 'b' }, ...n }),
    })
    expect(res.status, `${key}: ${await res.clone().text()}`).toBe(201)
  }
  for (const g of state.split(USERS, (u) => ({ accountId: u.account, userId: u.id })))
    await refreshUserContexts(
      env.DB,
      g.db,
      p.id,
      g.items.map((u) => u.id),
      NOW,
    )
}

let plain: TestProject
let sharded: TestProject
let state: ProjectState

beforeAll(async () => {
  plain = await newProject('nudges-plain')
  sharded = await newShardedProject('nudges-sharded', 4)
  await seed(plain)
  await seed(sharded)
  state = await projectState(env, sharded.id)
}, 120_000)

const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort()
const d1Rows = async <T = Record<string, unknown>>(sql: string, projectId: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(projectId, ...params)
      .all<T>()
  ).results

const CONTEXTS = 'SELECT user_id, account_id, context_json FROM user_contexts WHERE project_id = ?1'
const STATES = `SELECT user_id, nudge_key, account_id, exposure, shows, first_exposed_at, last_shown_at, last_session, clicked_at, dismissed_at,
  snoozed_until, completed_at, tour_step, tour_step_at, tour_shown_steps, tour_advanced_steps, tour_dismissed_steps FROM nudge_states WHERE project_id = ?1`

describe('decision contexts on a sharded project', { timeout: 60_000 }, () => {
  it('are the unsharded ones, written in each user’s shard, spread over the shards, none in D1', async () => {
    const perShard = await rowsPerShard(sharded.id, 'user_contexts')
    expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(1)
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(USERS.length)
    expect(await d1Rows(CONTEXTS, sharded.id)).toEqual([])
    const plainContexts = await d1Rows<{ context_json: string }>(CONTEXTS, plain.id)
    expect(plainContexts).toHaveLength(USERS.length)
    // the account side (score, band, segment cutoffs from D1) really made it into the contexts
    expect(
      plainContexts.filter((c) => JSON.parse(c.context_json).account?.cutoffs?.some((x: unknown) => x !== null)).length,
    ).toBeGreaterThan(10)
    expect(sorted(await rowsOnEveryShard(sharded.id, CONTEXTS))).toEqual(sorted(plainContexts))
    // each in the shard of its user's account
    for (const { index, db } of state.all()) {
      const { results } = await db.prepare(CONTEXTS).bind(sharded.id).all<{ user_id: string; account_id: string | null }>()
      for (const c of results) expect(state.indexOf(c.account_id, c.user_id), c.user_id).toBe(index)
    }
  })

  it('refreshAllUserContexts walks every shard and follows a new score from D1', async () => {
    for (const p of [plain, sharded])
      await env.DB.prepare(`UPDATE account_scores SET score = 5, band = 'red' WHERE project_id = ?1 AND account_id = 'acct_01'`)
        .bind(p.id)
        .run()
    expect(await refreshAllUserContexts(env.DB, plain.id, NOW)).toBe(USERS.length)
    expect(
      await refreshAllUserContexts(
        env.DB,
        sharded.id,
        NOW,
        state.all().map((s) => s.db),
      ),
    ).toBe(USERS.length)
    const contexts = await rowsOnEveryShard<{ user_id: string; context_json: string }>(sharded.id, CONTEXTS)
    expect(JSON.parse(contexts.find((c) => c.user_id === 'acct_01-u2')!.context_json).account).toMatchObject({ score: 5, band: 'red' })
    expect(sorted(contexts)).toEqual(sorted(await d1Rows(CONTEXTS, plain.id)))
    expect(await d1Rows(CONTEXTS, sharded.id)).toEqual([])
  })
})

describe('the decision on a sharded project', { timeout: 60_000 }, () => {
  const ask = async (p: TestProject, user: string) => {
    const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=${user}&path=/app/x&session=s1`)
    expect(res.status).toBe(200)
    return res.json<{ nudges: { key: string }[]; tours?: unknown[] }>()
  }

  it('answers every user as the unsharded project does, and writes their holdouts in their shard', async () => {
    let shown = 0
    for (const user of [...USERS.map((u) => u.id), 'never-seen']) {
      const expected = await ask(plain, user)
      expect(await ask(sharded, user), user).toEqual(expected)
      shown += expected.nudges.length + (expected.tours?.length ?? 0)
    }
    // the data makes nudges show, or the comparison proves nothing
    expect(shown).toBeGreaterThan(USERS.length)
    // holdouts are written after the answer (each stamped with its own request's time): wait for both projects' to land
    const KEYS = 'SELECT user_id, nudge_key, account_id, exposure, shows, completed_at FROM nudge_states WHERE project_id = ?1'
    const plainStates = async () => sorted(await d1Rows(KEYS, plain.id))
    let same = false
    for (let i = 0; i < 100 && !same; i++) {
      same = JSON.stringify(sorted(await rowsOnEveryShard(sharded.id, KEYS))) === JSON.stringify(await plainStates())
      if (!same) await new Promise((r) => setTimeout(r, 20))
    }
    expect(sorted(await rowsOnEveryShard(sharded.id, KEYS))).toEqual(await plainStates())
    expect(
      (
        await d1Rows<{ n: number }>(
          `SELECT COUNT(*) AS n FROM nudge_states WHERE project_id = ?1 AND first_exposed_at >= ?2`,
          plain.id,
          NOW,
        )
      )[0].n,
    ).toBeGreaterThan(0)
    expect(await d1Rows(STATES, sharded.id)).toEqual([])
    for (const { index, db } of state.all()) {
      const { results } = await db.prepare(STATES).bind(sharded.id).all<{ user_id: string; account_id: string | null }>()
      for (const s of results) expect(state.indexOf(USERS.find((u) => u.id === s.user_id)!.account, s.user_id), s.user_id).toBe(index)
    }
  })

  it('reads one D1 statement and one statement on the user’s shard (unsharded: one D1 statement)', async () => {
    const q = (p: TestProject, userId: string) => ({ writeKey: p.writeKey, userId, path: '/app/x', locale: 'default' })
    const background: Promise<unknown>[] = []
    // warm this isolate's caches (key, nudges, settings, N) the way a running worker has them
    for (const p of [plain, sharded]) await answerNudges(env, q(p, 'acct_02-u1'), Date.now(), (w) => background.push(w))
    const plainRun = counting()
    await answerNudges(plainRun.env, q(plain, 'acct_05-u2'), Date.now(), (w) => background.push(w))
    expect(plainRun.counter).toEqual({ d1: 1, shardCalls: 0, shardStatements: 0 })
    for (const user of ['acct_05-u2', 'acct_05-u2', 'solo-1']) {
      const run = counting()
      const body = await answerNudges(run.env, q(sharded, user), Date.now(), (w) => background.push(w))
      expect(run.counter, user).toEqual({ d1: 1, shardCalls: 1, shardStatements: 1 })
      expect(body).toEqual(await answerNudges(env, q(plain, user), Date.now(), (w) => background.push(w)))
    }
    // a user ingest never stored is not in the directory: no shard is read
    const unknown = counting()
    await answerNudges(unknown.env, q(sharded, 'nobody'), Date.now(), (w) => background.push(w))
    expect(unknown.counter).toEqual({ d1: 1, shardCalls: 0, shardStatements: 0 })
    await Promise.all(background)
  })
})

describe('nudge analytics on a sharded project', { timeout: 60_000 }, () => {
  const json = async (path: string, key: string) => {
    const res = await api(path, key)
    expect(res.status, path).toBe(200)
    return res.json<Record<string, unknown>>()
  }

  it('gives the same performance (funnel, lift per segment, tour steps) summed over every shard', async () => {
    for (const key of Object.keys(NUDGES)) {
      const a = await json(`/nudges/${key}/performance`, plain.readKey)
      expect(await json(`/nudges/${key}/performance`, sharded.readKey), key).toEqual(a)
    }
    const tip = await json('/nudges/tip-f1/performance', plain.readKey)
    expect((tip.funnel as { users_shown: number }).users_shown).toBeGreaterThan(5)
    expect((tip.by_segment as unknown[]).length).toBeGreaterThan(1)
    const tour = await json('/nudges/tour-1/performance', plain.readKey)
    expect((tour.steps as { shown: number; dismissed: number }[]).map((s) => s.shown)).toEqual([expect.any(Number), expect.any(Number), 0])
    expect((tour.steps as { shown: number }[])[0].shown).toBeGreaterThan(5)
    expect((tour.steps as { dismissed: number }[])[1].dismissed).toBeGreaterThan(0)
  })

  it('gives every account the same timeline (nudges shown and answered, with NPS scores), read from its shard', async () => {
    let answered = 0
    for (const account of ACCOUNTS) {
      const a = await json(`/accounts/${account}/timeline?limit=50`, plain.readKey)
      const b = await json(`/accounts/${account}/timeline?limit=50`, sharded.readKey)
      expect(b, account).toEqual(a)
      answered += (a.items as { kind: string; detail: string | null }[]).filter(
        (i) => i.kind === 'nudge_answered' && /score \d+/.test(i.detail ?? ''),
      ).length
    }
    expect(answered).toBeGreaterThan(3)
  })
})

describe('nudge interactions on a sharded project', { timeout: 60_000 }, () => {
  const account = 'acct_04'
  const user = `${account}-u1`
  const ts = (s: number) => new Date(NOW - 60_000 + s * 1000).toISOString()
  const events = (nudge: string, event: string, s: number, properties: Record<string, unknown> = {}) => ({
    type: 'track',
    messageId: `${event}-${nudge}-${s}`,
    userId: user,
    event,
    timestamp: ts(s),
    properties: { nudge, ...properties },
    context: { groupId: account, sessionId: 'sess-9', page: { path: '/app/x' } },
  })
  const batch = [
    events('low-health', '$nudge_shown', 1),
    events('low-health', '$nudge_clicked', 2),
    events('tour-1', '$nudge_shown', 3, { step: 2 }),
    events('tour-1', '$nudge_completed', 4, { step: 2 }),
    events('nps-1', '$nudge_shown', 5),
    events('nps-1', '$nudge_answered', 6, { score: 10 }),
    events('tip-f1', '$nudge_anchor_missing', 7, { selector: '#gone' }),
  ]
  const userStates = `${STATES} AND user_id = ?2`

  it('posted through ingest land in the user’s shard (anchor reports and the survey NPS on D1), as unsharded', async () => {
    for (const p of [plain, sharded]) expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
    const expected = await d1Rows(userStates, plain.id, user)
    expect(expected.length).toBeGreaterThanOrEqual(3)
    const home = state.indexOf(account, user)
    for (const { index, db } of state.all()) {
      const { results } = await db.prepare(userStates).bind(sharded.id, user).all()
      if (index === home) expect(sorted(results)).toEqual(sorted(expected))
      else expect(results).toEqual([])
    }
    expect(await d1Rows(STATES, sharded.id)).toEqual([])
    const anchors = 'SELECT nudge_key, path, selector, reports FROM nudge_anchor_reports WHERE project_id = ?1'
    expect(await d1Rows(anchors, sharded.id)).toEqual(await d1Rows(anchors, plain.id))
    expect(await d1Rows(anchors, plain.id)).toEqual([{ nudge_key: 'tip-f1', path: '/app/x', selector: '#gone', reports: 1 }])
    const nps = `SELECT json_extract(attributes_json, '$.nps_survey') AS nps FROM accounts WHERE project_id = ?1 AND id = ?2`
    const plainNps = (await d1Rows<{ nps: number | null }>(nps, plain.id, account))[0].nps
    expect(plainNps).not.toBeNull()
    expect((await d1Rows(nps, sharded.id, account))[0]).toEqual({ nps: plainNps })
  })

  it('applyNudgeInteractions with the users’ shard writes their states there and reads NPS answers from its events', async () => {
    const target = 'acct_07'
    const who = `${target}-u3`
    const at = NOW - 30_000
    const interactions: NudgeInteraction[] = [
      {
        action: 'shown',
        nudge: 'nps-1',
        userId: who,
        accountId: target,
        ts: at,
        session: 'x',
        snoozeDays: 1,
        score: null,
        path: '',
        selector: '',
        step: null,
      },
      {
        action: 'answered',
        nudge: 'nps-1',
        userId: who,
        accountId: target,
        ts: at + 1,
        session: 'x',
        snoozeDays: 1,
        score: 0,
        path: '',
        selector: '',
        step: null,
      },
      {
        action: 'shown',
        nudge: 'tour-1',
        userId: who,
        accountId: target,
        ts: at + 2,
        session: 'x',
        snoozeDays: 1,
        score: null,
        path: '',
        selector: '',
        step: 0,
      },
      {
        action: 'anchorMissing',
        nudge: 'tour-1',
        userId: who,
        accountId: target,
        ts: at + 3,
        session: 'x',
        snoozeDays: 1,
        score: null,
        path: '/p',
        selector: '#s',
        step: 0,
      },
    ]
    // the answer as ingest stored it, in the user's shard (D1 for the unsharded project)
    const answer = {
      message_id: `direct-${who}`,
      type: 'track',
      kind: 'system',
      name: '$nudge_answered',
      user_id: who,
      account_id: target,
      ts: at + 1,
      received_at: at + 1,
      properties_json: '{"nudge":"nps-1","score":0}',
    }
    for (const p of [plain, sharded]) {
      await insertStateRows(p.id, 'events', [answer])
      const layout = await projectState(env, p.id)
      await applyNudgeInteractions(env.DB, layout.forUser(target, who), p.id, interactions, NOW)
    }
    const home = state.forUser(target, who)
    // the two nudges these interactions touched (a holdout row of the decisions is stamped with its own request's time)
    const touched = `${userStates} AND nudge_key IN ('nps-1', 'tour-1')`
    const { results } = await home.prepare(touched).bind(sharded.id, who).all()
    expect(results).toHaveLength(2)
    expect(sorted(results)).toEqual(sorted(await d1Rows(touched, plain.id, who)))
    const nps = `SELECT json_extract(attributes_json, '$.nps_survey') AS nps FROM accounts WHERE project_id = ?1 AND id = ?2`
    const plainNps = await d1Rows(nps, plain.id, target)
    expect(plainNps[0]).toMatchObject({ nps: expect.any(Number) })
    expect(await d1Rows(nps, sharded.id, target)).toEqual(plainNps)
  })
})

describe('a user who moves account on a sharded project', { timeout: 60_000 }, () => {
  /** The move as ingest makes it: the users row carried to the new shard, the old row and context deleted, the directory last. */
  async function moveUser(user: string, from: string, to: string) {
    const [oldShard, newShard] = [state.forAccount(from), state.forAccount(to)]
    const row = (await oldShard.prepare('SELECT * FROM users WHERE project_id = ?1 AND id = ?2').bind(sharded.id, user).first<Row>())!
    await newShard
      .prepare('INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)')
      .bind(sharded.id, user, to, row.traits_json, row.first_seen, row.last_seen)
      .run()
    await oldShard.batch([
      oldShard.prepare('DELETE FROM users WHERE project_id = ?1 AND id = ?2').bind(sharded.id, user),
      oldShard.prepare('DELETE FROM user_contexts WHERE project_id = ?1 AND user_id = ?2').bind(sharded.id, user),
    ])
    await env.DB.batch(recordDirectory(env.DB, sharded.id, [{ userId: user, accountId: to }], Date.now()))
    await refreshUserContexts(env.DB, newShard, sharded.id, [user], Date.now())
  }
  const due = async (user: string) => {
    const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${sharded.writeKey}&userId=${user}&path=/app/x&session=s3`)
    return (await res.json<{ nudges: { key: string }[] }>()).nudges.map((n) => n.key)
  }

  it('follows a user who moved account to another shard (the directory decides over this isolate’s guess)', async () => {
    const user = 'acct_01-u0' // an admin: `trial-admin` is due in a trial account
    const from = 'acct_01'
    const to = ACCOUNTS.find((a, i) => i % 3 === 0 && state.indexOf(a, user) !== state.indexOf(from, user))!
    const noBackground = () => {
      throw new Error('a stored context was expected')
    }
    const before = await nudgeDecisionInputs(env.DB, sharded.id, { id: user }, Date.now(), noBackground, state)
    expect(before.user?.context.account?.id).toBe(from)
    await moveUser(user, from, to)
    const moved = counting()
    const movedState = await projectState(moved.env, sharded.id)
    const after = await nudgeDecisionInputs(moved.env.DB, sharded.id, { id: user }, Date.now(), noBackground, movedState)
    expect(after.user?.context.account?.id).toBe(to)
    expect(after.user?.context.account?.traits).toMatchObject({ plan: 'trial' })
    // the guess (the old shard) was read beside D1, then the user's new shard
    expect(moved.counter).toEqual({ d1: 1, shardCalls: 2, shardStatements: 2 })
    const again = counting()
    await nudgeDecisionInputs(again.env.DB, sharded.id, { id: user }, Date.now(), noBackground, await projectState(again.env, sharded.id))
    expect(again.counter).toEqual({ d1: 1, shardCalls: 1, shardStatements: 1 })
    const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${sharded.writeKey}&userId=${user}&path=/app/x&session=s2`)
    expect((await res.json<{ nudges: { key: string }[] }>()).nudges.map((n) => n.key)).toContain('trial-admin')
  })

  it('keeps a moved user’s nudge history: ingest carries their states to the new shard with the move', async () => {
    const user = 'acct_01-u3'
    const from = 'acct_01'
    const to = ACCOUNTS.find((a, i) => i % 6 !== 5 && state.indexOf(a, user) !== state.indexOf(from, user))!
    const [oldShard, newShard] = [state.forAccount(from), state.forAccount(to)]
    // they dismissed `low-health`, which is due in both accounts (low scores)
    await oldShard
      .prepare(
        `INSERT INTO nudge_states (project_id, user_id, nudge_key, account_id, exposure, shows, first_exposed_at, last_shown_at, dismissed_at)
         VALUES (?1, ?2, 'low-health', ?3, 'shown', 1, ?4, ?4, ?5)`,
      )
      .bind(sharded.id, user, from, NOW - 5000, NOW - 1000)
      .run()
    expect(await due(user)).not.toContain('low-health')
    const history = sorted((await oldShard.prepare(`${STATES} AND user_id = ?2`).bind(sharded.id, user).all()).results)
    // the move as the app sends it: a group() call to the new account
    const group = { type: 'group', messageId: `move-${user}`, userId: user, groupId: to }
    expect((await post('/v1/batch', { writeKey: sharded.writeKey, batch: [group] })).status).toBe(200)
    expect((await oldShard.prepare(`${STATES} AND user_id = ?2`).bind(sharded.id, user).all()).results).toEqual([])
    expect(sorted((await newShard.prepare(`${STATES} AND user_id = ?2`).bind(sharded.id, user).all()).results)).toEqual(history)
    expect(await due(user)).not.toContain('low-health')
    // it is due to a user of the new account without that history
    expect(await due(`${to}-u3`)).toContain('low-health')
  })

  it('leaves no user-grain row of the sharded project in D1', async () => {
    for (const table of USER_GRAIN)
      expect(await d1Rows(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`, sharded.id), table).toEqual([{ n: 0 }])
  })
})

/** The test env with a count of D1 statements (each first/all/run/raw, each statement of a batch) and of shard RPCs. */
function counting() {
  const counter = { d1: 0, shardCalls: 0, shardStatements: 0 }
  const wrap = (st: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(st, {
      get(t, k) {
        const v = Reflect.get(t, k) as unknown
        if (typeof v !== 'function') return v
        if (k === 'bind') return (...a: unknown[]) => wrap((v as D1PreparedStatement['bind']).apply(t, a))
        if (k === 'first' || k === 'all' || k === 'run' || k === 'raw')
          return (...a: unknown[]) => (counter.d1++, (v as (...x: unknown[]) => unknown).apply(t, a))
        return (v as (...x: unknown[]) => unknown).bind(t)
      },
    })
  const targets = new WeakMap<object, D1PreparedStatement>()
  const DB = new Proxy(env.DB, {
    get(t, k) {
      if (k === 'prepare')
        return (sql: string) => {
          const inner = t.prepare(sql)
          const proxy = wrap(inner)
          targets.set(proxy, inner)
          return proxy
        }
      if (k === 'batch')
        return (stmts: D1PreparedStatement[]) => ((counter.d1 += stmts.length), t.batch(stmts.map((x) => targets.get(x) ?? x)))
      const v = Reflect.get(t, k) as unknown
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v
    },
  })
  const namespace = env.ACCOUNT_SHARDS!
  const ACCOUNT_SHARDS = new Proxy(namespace, {
    get(t, k) {
      if (k === 'get')
        return (id: DurableObjectId) => {
          const stub = t.get(id)
          return new Proxy(stub, {
            get(s, m) {
              if (m === 'execute')
                return (statements: unknown[]) => (
                  (counter.shardCalls++, (counter.shardStatements += statements.length)),
                  s.execute(statements as never)
                )
              const v = Reflect.get(s, m) as unknown
              return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(s) : v
            },
          })
        }
      const v = Reflect.get(t, k) as unknown
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v
    },
  })
  return { env: { ...env, DB, ACCOUNT_SHARDS }, counter }
}
