import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Feature } from '../../shared/features'
import { nudgeDefinitionSchema } from '../../shared/nudges'
import { advanceRebuild, startRebuildStatements } from '../../worker/src/features/rebuild'
import { forgetFeatureIndex, upsertFeatureStatement } from '../../worker/src/features/store'
import { daysAgo } from '../../worker/src/lib/days'
import { loadDecisionContext } from '../../worker/src/nudges/context-store'
import { decideNudges } from '../../worker/src/nudges/decide'
import { toNudge, type Nudge } from '../../worker/src/nudges/definition'
import { cachedActiveNudges, listNudges, userNudgeStates } from '../../worker/src/nudges/store'
import { cachedProjectSettings, loadProjectSettings } from '../../worker/src/projects'
import { BREADTH_PERCENTILES, type BreadthPercentile } from '../../worker/src/nudges/user-context'
import { nudgeDecisionInputs, refreshUserContexts, userDecisionInputs } from '../../worker/src/nudges/user-context-store'
import { conditionsHold } from '../../worker/src/scoring'
import worker from '../../worker/src/index'
import { api, newProject, post, track, type TestProject } from './fixtures'

const DAY = 86_400_000
const NOW = Date.now()
const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7']
const SEGMENTS = ['smb', 'mid', 'ent']
const BANDS = ['red', 'yellow', 'green', 'insufficient_data'] as const
const PROTECTED = ['tier']

const json = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .dictionary(
        fc.constantFrom('plan', 'mrr', 'role', 'tier', 'seats'),
        fc.oneof(
          fc.constantFrom('trial', 'team', 'pro', 'admin'),
          fc.integer({ min: 0, max: 500 }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.boolean(),
        ),
      )
      .map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: fc.constantFrom('{not json', '[1,2]', '"text"', 'null') },
)
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 3 })

const accountArb = fc.record({
  traits: json,
  attributes: json,
  score: fc.option(
    fc.record({
      segment: maybe(fc.constantFrom(...SEGMENTS)),
      band: fc.constantFrom(...BANDS),
      score: maybe(
        fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
      ),
      explanation: fc.oneof(
        fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ noNaN: true, noDefaultInfinity: true })).map((raw) =>
          JSON.stringify({
            measures: [
              { key: 'active_days', raw: 3 },
              { key: 'feature_breadth', raw },
            ],
          }),
        ),
        fc.constantFrom('{}', '{oops', JSON.stringify({ measures: [{ key: 'feature_breadth', raw: 'x' }] })),
      ),
    }),
    { nil: null, freq: 4 },
  ),
})
const userArb = (accounts: number) =>
  fc.record({
    account: fc.oneof(
      fc.integer({ min: 0, max: accounts - 1 }).map((i) => `a${i}`),
      fc.constantFrom(null, 'ghost'),
    ),
    traits: json,
    firstSeenDaysAgo: fc.integer({ min: 0, max: 90 }),
    featureDays: fc.uniqueArray(fc.tuple(fc.constantFrom(...FEATURES), fc.integer({ min: -1, max: 60 })), {
      maxLength: 25,
      selector: ([f, d]) => `${f}:${d}`,
    }),
    states: fc.uniqueArray(
      fc.record({
        nudge: fc.integer({ min: 0, max: 39 }).map((i) => `n${i}`),
        exposure: fc.constantFrom('shown', 'holdout'),
        shows: fc.integer({ min: 0, max: 4 }),
        lastShownDaysAgo: maybe(fc.integer({ min: 0, max: 20 })),
        dismissed: fc.boolean(),
      }),
      { maxLength: 4, selector: (s) => s.nudge },
    ),
  })
const condition = fc.record({
  attribute: fc.constantFrom('plan', 'role', 'mrr', 'tier'),
  op: fc.constantFrom('==', '!='),
  value: fc.constantFrom('trial', 'admin', 'pro'),
})
const nudgeArb = fc.record({
  priority: fc.integer({ min: 0, max: 100 }),
  target_feature: fc.option(fc.constantFrom(...FEATURES), { nil: undefined }),
  holdout: fc.record({ share: fc.constantFrom(0, 0.2), unit: fc.constantFrom('user', 'account') }),
  // one or two conditions each, so that plenty of nudges show and every condition is compared
  targeting: fc
    .tuple(
      ...Array.from({ length: 2 }, () =>
        fc.oneof(
          fc.constant({}),
          fc.record({ segments: fc.subarray(SEGMENTS, { minLength: 1 }) }),
          fc.record({ bands: fc.subarray([...BANDS], { minLength: 1 }) }),
          fc.record({ user_attributes: fc.array(condition, { minLength: 1, maxLength: 2 }) }),
          fc.record({ account_attributes: fc.array(condition, { minLength: 1, maxLength: 2 }) }),
          fc.record({ feature_not_used: fc.constantFrom(...FEATURES) }),
          fc.record({ min_days_since_signup: fc.integer({ min: 0, max: 60 }) }),
          fc.record({ max_breadth: fc.double({ min: 0, max: 1, noNaN: true }) }),
          fc.record({ max_health_score: fc.integer({ min: 0, max: 100 }) }),
          fc.record({ breadth_below_segment_percentile: fc.constantFrom(...BREADTH_PERCENTILES) }),
        ),
      ),
    )
    .map(([a, b]) => ({ ...a, ...b })),
})
const datasetArb = fc.record({
  core: fc.subarray(FEATURES),
  benchmarks: fc.array(
    fc.record({
      n: fc.constantFrom(3, 19, 20, 60),
      p: fc.array(maybe(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ noNaN: true, noDefaultInfinity: true }))), {
        minLength: 4,
        maxLength: 4,
      }),
    }),
    { minLength: SEGMENTS.length, maxLength: SEGMENTS.length },
  ),
  accounts: fc.array(accountArb, { minLength: 30, maxLength: 30 }),
  users: fc.array(userArb(30), { minLength: 300, maxLength: 300 }),
  nudges: fc.array(nudgeArb, { minLength: 40, maxLength: 40 }),
})

let p: TestProject
let data: typeof datasetArb extends fc.Arbitrary<infer T> ? T : never
let nudges: Nudge[]

async function seed() {
  const db = env.DB
  const s: D1PreparedStatement[] = []
  for (const f of FEATURES)
    s.push(
      db
        .prepare(
          `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at) VALUES (?1, ?2, ?2, 'feature', ?3, '[]', 0, 0)`,
        )
        .bind(p.id, f, data.core.includes(f) ? 1 : 0),
    )
  data.benchmarks.forEach((b, i) =>
    s.push(
      db
        .prepare(
          `INSERT INTO segment_benchmarks (project_id, segment, measure, n, p25, p50, p75, p90, computed_at) VALUES (?1, ?2, 'feature_breadth', ?3, ?4, ?5, ?6, ?7, 0)`,
        )
        .bind(p.id, SEGMENTS[i], b.n, ...b.p),
    ),
  )
  data.accounts.forEach((a, i) => {
    s.push(
      db
        .prepare(
          `INSERT INTO accounts (project_id, id, name, traits_json, attributes_json, first_seen, last_seen) VALUES (?1, ?2, ?2, ?3, ?4, 0, 0)`,
        )
        .bind(p.id, `a${i}`, a.traits, a.attributes),
    )
    if (a.score)
      s.push(
        db
          .prepare(
            `INSERT INTO account_scores (project_id, account_id, day, model_version, score, band, segment, profile, explanation_json, computed_at)
             VALUES (?1, ?2, '2026-01-01', 'v', ?3, ?4, ?5, 'default', ?6, 0)`,
          )
          .bind(p.id, `a${i}`, a.score.score, a.score.band, a.score.segment, a.score.explanation),
      )
  })
  data.users.forEach((u, i) => {
    s.push(
      db
        .prepare(`INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?5)`)
        .bind(p.id, `u${i}`, u.account, u.traits, NOW - u.firstSeenDaysAgo * DAY),
    )
    for (const [f, d] of u.featureDays)
      s.push(
        db
          .prepare(
            `INSERT INTO user_feature_days (project_id, user_id, feature_key, day, account_id, n, amount) VALUES (?1, ?2, ?3, ?4, ?5, 1, 0)`,
          )
          .bind(p.id, `u${i}`, f, daysAgo(NOW, d), u.account),
      )
    for (const st of u.states)
      s.push(
        db
          .prepare(
            `INSERT INTO nudge_states (project_id, user_id, nudge_key, exposure, shows, first_exposed_at, last_shown_at, dismissed_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)`,
          )
          .bind(
            p.id,
            `u${i}`,
            st.nudge,
            st.exposure,
            st.shows,
            st.lastShownDaysAgo === null ? null : NOW - st.lastShownDaysAgo * DAY,
            st.dismissed ? NOW - DAY : null,
          ),
      )
  })
  for (let i = 0; i < s.length; i += 200) await db.batch(s.slice(i, i + 200))
}

beforeAll(async () => {
  p = await newProject('contexts')
  data = fc.sample(datasetArb, { seed: 13, numRuns: 1 })[0]
  nudges = data.nudges.map((n, i) =>
    toNudge(`n${i}`, nudgeDefinitionSchema.parse({ kind: 'banner', title: { default: `n${i}` }, body: { default: 'b' }, ...n })),
  )
  await seed()
  await refreshUserContexts(
    env.DB,
    env.DB,
    p.id,
    data.users.map((_, i) => `u${i}`),
    NOW,
  )
})

/** The D1 binding with a count of the statements it runs (each first/all/run/raw, each statement of a batch). */
function countingDb(db: D1Database) {
  const counter = { statements: 0 }
  const wrap = (st: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(st, {
      get(t, k) {
        const v = Reflect.get(t, k) as unknown
        if (typeof v !== 'function') return v
        if (k === 'bind') return (...a: unknown[]) => wrap((v as D1PreparedStatement['bind']).apply(t, a))
        if (k === 'first' || k === 'all' || k === 'run' || k === 'raw')
          return (...a: unknown[]) => (counter.statements++, (v as (...x: unknown[]) => unknown).apply(t, a))
        return (v as (...x: unknown[]) => unknown).bind(t)
      },
    })
  const counted = new Proxy(db, {
    get(t, k) {
      if (k === 'prepare') return (sql: string) => wrap(t.prepare(sql))
      if (k === 'batch') return (stmts: D1PreparedStatement[]) => ((counter.statements += stmts.length), t.batch(stmts))
      const v = Reflect.get(t, k) as unknown
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v
    },
  })
  return { db: counted, counter }
}

const fromContext = (userId: string, percentile?: BreadthPercentile, now = NOW) =>
  userDecisionInputs(
    env.DB,
    p.id,
    { id: userId },
    now,
    { verify: false, protectedAttributes: PROTECTED, breadthPercentile: percentile },
    () => {
      throw new Error('a stored context was expected')
    },
  )

describe('the decision from the precomputed context', () => {
  it('writes one context per user', async () => {
    const n = await env.DB.prepare('SELECT COUNT(*) AS n FROM user_contexts WHERE project_id = ?1').bind(p.id).first<number>('n')
    expect(n).toBe(data.users.length)
  })

  it('sees each user as the rows do: profile, account, score, breadth cutoffs and feature use', { timeout: 120_000 }, async () => {
    for (let i = 0; i < data.users.length; i++) {
      const percentile = [undefined, ...BREADTH_PERCENTILES][i % 5]
      const fresh = await fromContext(`u${i}`, percentile)
      const rows = await loadDecisionContext(env.DB, p.id, `u${i}`, NOW, PROTECTED, percentile)
      expect(fresh?.context, `u${i}`).toEqual(rows)
      expect(fresh?.history).toEqual(await userNudgeStates(env.DB, p.id, `u${i}`, NOW))
    }
  })

  it(
    'decides exactly as the rows would, for every user and nudge, days later as the adoption window slides',
    { timeout: 120_000 },
    async () => {
      let shown = 0
      for (const later of [0, 9 * DAY]) {
        for (let i = later ? 1 : 0; i < data.users.length; i += later ? 3 : 1) {
          const now = NOW + later
          const percentile = nudges.find((n) => n.targeting.breadthBelowSegmentPercentile)?.targeting.breadthBelowSegmentPercentile
          const fresh = (await fromContext(`u${i}`, percentile, now))!
          const rows = (await loadDecisionContext(env.DB, p.id, `u${i}`, now, PROTECTED, percentile))!
          const history = {
            states: fresh.history.states,
            inSession: new Set<string>(),
            shownThisSession: 0,
            shownLast7Days: fresh.history.shownLast7Days,
          }
          const opts = { path: '/app', caps: { maxPerSession: 50, maxPerWeek: 50 }, conditionsHold }
          const decide = (c: typeof rows) =>
            decideNudges(c.user, c.account, c.metrics, nudges, history, now, opts).map((d) => `${d.nudge.key}:${d.outcome}`)
          expect(decide(fresh.context), `u${i}`).toEqual(decide(rows))
          shown += decide(rows).length
        }
      }
      // the generated data must make some nudges show, or the comparison proves nothing
      expect(shown).toBeGreaterThan(100)
    },
  )

  it('answers nothing for a user ingest never saw', async () => {
    expect(await fromContext('nobody')).toBeNull()
  })
})

describe('keeping contexts current', () => {
  let q: TestProject
  const due = async (userId: string) => {
    const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${q.writeKey}&userId=${userId}`)
    expect(res.status).toBe(200)
    return (await res.json<{ nudges: { key: string }[] }>()).nudges.map((n) => n.key)
  }
  const addUser = (id: string, account: string | null = null) =>
    env.DB.prepare(`INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen) VALUES (?1, ?2, ?3, '{}', ?4, ?4)`)
      .bind(q.id, id, account, NOW - 40 * DAY)
      .run()
  const use = (user: string, feature: string, daysBack = 1) =>
    env.DB.prepare(`INSERT INTO user_feature_days (project_id, user_id, feature_key, day, n, amount) VALUES (?1, ?2, ?3, ?4, 1, 0)`)
      .bind(q.id, user, feature, daysAgo(Date.now(), daysBack))
      .run()
  const storedContext = (user: string) =>
    env.DB.prepare('SELECT context_json FROM user_contexts WHERE project_id = ?1 AND user_id = ?2')
      .bind(q.id, user)
      .first<string>('context_json')

  beforeAll(async () => {
    q = await newProject('fresh')
    for (const key of ['report.export', 'invoice.send'])
      expect(
        (
          await api(`/features/${key}`, q.adminKey, {
            method: 'PUT',
            body: JSON.stringify({ name: key, rules: [{ match: 'event', event: key }] }),
          })
        ).status,
      ).toBe(201)
    const tip = (feature: string) => ({
      kind: 'banner',
      title: { default: feature },
      body: { default: 'b' },
      holdout: { share: 0 },
      targeting: { feature_not_used: feature },
    })
    await api('/settings', q.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 } }) })
    expect((await api('/nudges/export-tip', q.adminKey, { method: 'PUT', body: JSON.stringify(tip('report.export')) })).status).toBe(201)
    expect((await api('/nudges/send-tip', q.adminKey, { method: 'PUT', body: JSON.stringify(tip('invoice.send')) })).status).toBe(201)
  })

  it('reflects a feature the user started using once refreshUserContexts ran for them', async () => {
    await addUser('u-stale')
    await refreshUserContexts(env.DB, env.DB, q.id, ['u-stale'], Date.now())
    expect(await due('u-stale')).toEqual(['export-tip', 'send-tip'])
    await use('u-stale', 'report.export')
    // the decision reads the stored context, not the rollups: ingest refreshes it after each write
    expect(await due('u-stale')).toContain('export-tip')
    await refreshUserContexts(env.DB, env.DB, q.id, ['u-stale'], Date.now())
    expect(await due('u-stale')).toEqual(['send-tip'])
  })

  it('keeps the context of the later read when two refreshes of a user interleave (ingest read, a re-tag refreshed, ingest wrote)', async () => {
    await addUser('u-race')
    await refreshUserContexts(env.DB, env.DB, q.id, ['u-race'], Date.now())
    expect(await due('u-race')).toEqual(['export-tip', 'send-tip'])
    let interleaved = false
    // D1 as the slower refresh sees it: between its read and its write, the user's rows change and another refresh runs
    const slow = new Proxy(env.DB, {
      get(target, key) {
        if (key === 'batch')
          return async (statements: D1PreparedStatement[]) => {
            if (!interleaved) {
              interleaved = true
              await use('u-race', 'report.export')
              await new Promise((r) => setTimeout(r, 5))
              await refreshUserContexts(env.DB, env.DB, q.id, ['u-race'], Date.now())
            }
            return target.batch(statements)
          }
        const v = Reflect.get(target, key) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
    await refreshUserContexts(slow, slow, q.id, ['u-race'], Date.now())
    expect(interleaved).toBe(true)
    // the slower refresh read before the feature was used: its write must not undo the later one's
    expect(await due('u-race')).toEqual(['send-tip'])
  })

  it('answers a user without a stored context from the rows, then stores theirs', async () => {
    await addUser('u-old')
    await use('u-old', 'invoice.send')
    expect(await storedContext('u-old')).toBeNull()
    expect(await due('u-old')).toEqual(['export-tip'])
    let stored: string | null = null
    for (let i = 0; i < 50 && !stored; i++)
      stored = await storedContext('u-old').then((s) => s ?? new Promise<null>((r) => setTimeout(() => r(null), 20)))
    expect(JSON.parse(stored!).features).toEqual({ 'invoice.send': [daysAgo(Date.now(), 1)] })
    expect(await due('u-old')).toEqual(['export-tip'])
  })

  it('stores nothing for a user ingest never saw', async () => {
    expect(await due('u-ghost')).toEqual([])
    await new Promise((r) => setTimeout(r, 100))
    expect(await storedContext('u-ghost')).toBeNull()
  })

  it('drops the context of a user no longer stored (erased) when refreshed', async () => {
    await addUser('u-gone')
    await refreshUserContexts(env.DB, env.DB, q.id, ['u-gone'], Date.now())
    expect(await storedContext('u-gone')).not.toBeNull()
    await env.DB.prepare('DELETE FROM users WHERE project_id = ?1 AND id = ?2').bind(q.id, 'u-gone').run()
    expect(await due('u-gone')).toEqual([])
    await refreshUserContexts(env.DB, env.DB, q.id, ['u-gone'], Date.now())
    expect(await storedContext('u-gone')).toBeNull()
  })

  it('decides in one D1 statement on a cold isolate too: the published nudges and settings come with the user', async () => {
    await addUser('u-cold')
    await refreshUserContexts(env.DB, env.DB, q.id, ['u-cold'], Date.now())
    const noBackground = () => {
      throw new Error('a stored context was expected')
    }
    // an hour on: this isolate's 10 s caches of nudges and settings have expired
    const later = Date.now() + 3_600_000
    const cold = countingDb(env.DB)
    const first = await nudgeDecisionInputs(cold.db, q.id, { id: 'u-cold' }, later, noBackground)
    expect(cold.counter.statements).toBe(1)
    expect(first.nudges).toEqual(await listNudges(env.DB, q.id, true))
    expect(first.nudges.map((n) => n.key)).toEqual(['export-tip', 'send-tip'])
    expect(first.settings).toEqual(await loadProjectSettings(env.DB, q.id))
    expect(first.settings.nudges).toMatchObject({ maxPerSession: 5, maxPerWeek: 20 })
    expect(first.user?.context).toEqual(await loadDecisionContext(env.DB, q.id, 'u-cold', later, first.settings.attributes.protected))
    // the statement refilled the caches the loaders read through: the next decision reads only the user
    const warm = countingDb(env.DB)
    expect(await nudgeDecisionInputs(warm.db, q.id, { id: 'u-cold' }, later + 1, noBackground)).toEqual(first)
    expect(warm.counter.statements).toBe(1)
    const none = countingDb(env.DB)
    expect(await cachedActiveNudges(none.db, q.id, later + 2)).toEqual(first.nudges)
    expect(await cachedProjectSettings(none.db, q.id, later + 2)).toEqual(first.settings)
    expect(none.counter.statements).toBe(0)
  })

  it('writes nothing when a refreshed context did not change', async () => {
    await addUser('u-same')
    const updatedAt = () =>
      env.DB.prepare('SELECT updated_at FROM user_contexts WHERE project_id = ?1 AND user_id = ?2').bind(q.id, 'u-same').first('updated_at')
    await refreshUserContexts(env.DB, env.DB, q.id, ['u-same'], NOW)
    const first = await updatedAt()
    await new Promise((r) => setTimeout(r, 5))
    await refreshUserContexts(env.DB, env.DB, q.id, ['u-same'], NOW + 1000)
    expect(first).not.toBeNull()
    expect(await updatedAt()).toBe(first)
  })
})

describe('after re-tagging', () => {
  let r: TestProject
  const due = async (userId: string) => {
    const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${r.writeKey}&userId=${userId}`)
    expect(res.status).toBe(200)
    return (await res.json<{ nudges: { key: string }[] }>()).nudges.map((n) => n.key)
  }
  const storedFeatures = async (user: string) => {
    const json = await env.DB.prepare('SELECT context_json FROM user_contexts WHERE project_id = ?1 AND user_id = ?2')
      .bind(r.id, user)
      .first<string>('context_json')
    return json === null ? null : Object.keys(JSON.parse(json).features as object)
  }
  /** A rules change of feature `f` as the features route makes it (the feature row and the job), no page run yet. */
  async function changeRules(event: string) {
    const f: Feature = { key: 'f', name: 'F', kind: 'feature', core: false, rules: [{ match: 'event', event }] }
    await env.DB.batch([upsertFeatureStatement(env.DB, r.id, f, Date.now()), ...startRebuildStatements(env.DB, r.id, Date.now())])
    forgetFeatureIndex(r.id)
  }

  beforeAll(async () => {
    r = await newProject('retag-contexts')
    await changeRules('A Done')
    await advanceRebuild(env, r.id)
    const tip = {
      kind: 'banner',
      title: { default: 'Try F' },
      body: { default: 'b' },
      holdout: { share: 0 },
      targeting: { feature_not_used: 'f' },
    }
    expect((await api('/nudges/f-tip', r.adminKey, { method: 'PUT', body: JSON.stringify(tip) })).status).toBe(201)
    const batch = ['rt-u1', 'rt-u2', 'rt-u3'].map((u) => track(u, 'B Done', { timestamp: new Date(Date.now() - DAY).toISOString() }))
    expect((await post('/v1/batch', { writeKey: r.writeKey, batch })).status).toBe(200)
  })

  it('the users whose feature use a re-tag changed decide on the new tags at once (their contexts are rewritten)', async () => {
    expect(await due('rt-u1')).toEqual(['f-tip'])
    expect(await storedFeatures('rt-u1')).toEqual([])
    await changeRules('B Done')
    expect((await advanceRebuild(env, r.id)).progress).toMatchObject({ status: 'done', retagged: 3 })
    expect(await storedFeatures('rt-u1')).toEqual(['f'])
    // "hasn't used F" no longer holds: the rollups say so, and now the decision does too
    expect(await due('rt-u1')).toEqual([])
  })

  it('leaves no stale context when the refresh after a page fails (a crash): the decision reads the rows, then stores it', async () => {
    await changeRules('C Done')
    // the refresh's read fails; the page's own batch (delta, contexts removed, cursor) commits
    const failing = new Proxy(env.DB, {
      get(t, k) {
        if (k === 'prepare')
          return (sql: string) => {
            if (sql.includes('json_group_object')) throw new Error('worker died before the refresh')
            return t.prepare(sql)
          }
        const v = Reflect.get(t, k) as unknown
        return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v
      },
    })
    expect((await advanceRebuild({ ...env, DB: failing }, r.id)).progress).toMatchObject({ status: 'done', retagged: 3 })
    expect(await storedFeatures('rt-u2')).toBeNull()
    // B Done no longer counts as F: the tip is due again, read from the rows
    expect(await due('rt-u2')).toEqual(['f-tip'])
    let stored: string[] | null = null
    for (let i = 0; i < 50 && !stored; i++)
      stored = (await storedFeatures('rt-u2')) ?? (await new Promise((w) => setTimeout(() => w(null), 20)))
    expect(stored).toEqual([])
  })
})

describe('after a scoring run', () => {
  it('a new score reaches the decision: the daily run refreshes every user’s context', { timeout: 60_000 }, async () => {
    const r = await newProject('scored')
    expect(
      (
        await api('/features/f1', r.adminKey, {
          method: 'PUT',
          body: JSON.stringify({ name: 'F1', core: true, rules: [{ match: 'event', event: 'F1 Used' }] }),
        })
      ).status,
    ).toBe(201)
    expect(
      (
        await api('/features/paid', r.adminKey, {
          method: 'PUT',
          body: JSON.stringify({ name: 'Paid', kind: 'value', rules: [{ match: 'event', event: 'Invoice Paid' }] }),
        })
      ).status,
    ).toBe(201)
    // an account its three users used every day of the last 20 (as in scoring-runs.test.ts): enough data for a score
    const ago = (d: number) => new Date(Date.now() - d * DAY + 3_600_000).toISOString()
    const batch: Record<string, unknown>[] = []
    for (let u = 0; u < 3; u++) {
      batch.push({
        type: 'group',
        messageId: crypto.randomUUID(),
        userId: `sc-u${u}`,
        groupId: 'acme',
        timestamp: ago(20),
        traits: { name: 'Acme' },
      })
      for (let d = 1; d <= 20; d++)
        for (const event of ['F1 Used', 'Invoice Paid'])
          batch.push({
            type: 'track',
            messageId: crypto.randomUUID(),
            userId: `sc-u${u}`,
            event,
            timestamp: ago(d),
            context: { groupId: 'acme', app: { version: '1.0.0' } },
          })
    }
    expect((await post('/v1/batch', { writeKey: r.writeKey, batch })).status).toBe(200)
    const scoredNudge = {
      kind: 'banner',
      title: { default: 'Scored' },
      body: { default: 'b' },
      holdout: { share: 0 },
      targeting: { max_health_score: 100 },
    }
    expect((await api('/nudges/scored', r.adminKey, { method: 'PUT', body: JSON.stringify(scoredNudge) })).status).toBe(201)
    await refreshUserContexts(env.DB, env.DB, r.id, ['sc-u0'], Date.now())
    const due = async () =>
      (
        await (await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${r.writeKey}&userId=sc-u0`)).json<{ nudges: { key: string }[] }>()
      ).nudges.map((n) => n.key)
    // never scored: no health score to be under 100
    expect(await due()).toEqual([])
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 3 * * *' }), env, ctx)
    await waitOnExecutionContext(ctx)
    const score = await env.DB.prepare('SELECT score, band FROM account_scores WHERE project_id = ?1 AND account_id = ?2')
      .bind(r.id, 'acme')
      .first<{ score: number; band: string }>()
    expect(score).toMatchObject({ score: expect.any(Number), band: expect.stringMatching(/red|yellow|green/) })
    const stored = await env.DB.prepare('SELECT context_json FROM user_contexts WHERE project_id = ?1 AND user_id = ?2')
      .bind(r.id, 'sc-u0')
      .first<string>('context_json')
    expect(JSON.parse(stored!).account).toMatchObject({ score: score!.score, band: score!.band })
    expect(await due()).toEqual(['scored'])
  })
})
