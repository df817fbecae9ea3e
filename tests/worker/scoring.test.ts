import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import worker from '../../worker/src/index'
import { api, basic, newProject, post, type TestProject } from './fixtures'

const DAY = 86_400_000
const ago = (d: number) => new Date(Date.now() - d * DAY + 3600_000).toISOString()
let p: TestProject

type Ev = Record<string, unknown>
const use = (user: string, account: string, event: string, daysAgo: number, props: Ev = {}): Ev => ({
  type: 'track',
  messageId: crypto.randomUUID(),
  userId: user,
  event,
  properties: props,
  timestamp: ago(daysAgo),
  context: { groupId: account, app: { version: '2.0.0' } },
})

async function send(events: Ev[]) {
  for (let i = 0; i < events.length; i += 400) {
    // 80 days of history: older than the write key's 30-day window, so imported with the admin key
    const res = await post('/v1/import', { batch: events.slice(i, i + 400) }, basic(p.adminKey))
    expect(res.status).toBe(200)
  }
}

async function runCron() {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 3 * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

beforeAll(async () => {
  p = await newProject('scoring')
  for (const [key, event, kind, core] of [
    ['f1', 'F1 Used', 'feature', true],
    ['f2', 'F2 Used', 'feature', true],
    ['f3', 'F3 Used', 'feature', true],
    ['f4', 'F4 Used', 'feature', true],
    ['paid', 'Invoice Paid', 'value', false],
  ] as const) {
    const res = await api(`/features/${key}`, p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ name: event, kind, core, rules: [{ match: 'event', event }] }),
    })
    expect(res.status).toBe(201)
  }
  const events: Ev[] = []
  const groups: Ev[] = []
  const group = (user: string, account: string, traits: Ev) =>
    groups.push({ type: 'group', messageId: crypto.randomUUID(), userId: user, groupId: account, traits, timestamp: ago(80) })
  // thriving: 4 of 4 seats, every weekday for 60 days, all core features and value events
  for (let u = 0; u < 4; u++) {
    group(`good-${u}`, 'good', { name: 'Good Co', seats: 4, arr: 60000 })
    for (let d = 1; d <= 60; d++)
      for (const e of ['F1 Used', 'F2 Used', 'F3 Used', 'F4 Used', 'Invoice Paid'])
        events.push(use(`good-${u}`, 'good', e, d, { amount: 10 }))
  }
  // fading: busy in the prior 30 days, silent since, on an old version
  for (let u = 0; u < 5; u++) {
    group(`bad-${u}`, 'bad', { name: 'Bad Co', seats: 10, arr: 3000, renewal_date: ago(-30).slice(0, 10) })
    for (let d = 31; d <= 60; d++) events.push(use(`bad-${u}`, 'bad', 'F1 Used', d))
  }
  // outcome cohort: accounts that used f2 early mostly renewed
  for (let i = 0; i < 8; i++) {
    const usedF2 = i < 4
    group(`o-${i}`, `o${i}`, { name: `O${i}` })
    events.push(use(`o-${i}`, `o${i}`, usedF2 ? 'F2 Used' : 'F1 Used', 70))
  }
  // a young account: first seen 5 days ago, busy since
  groups.push({
    type: 'group',
    messageId: crypto.randomUUID(),
    userId: 'young-0',
    groupId: 'young',
    traits: { name: 'Young Co', seats: 2 },
    timestamp: ago(5),
  })
  for (let d = 1; d <= 5; d++)
    for (const e of ['F1 Used', 'F2 Used', 'Invoice Paid', 'Signed In']) events.push(use('young-0', 'young', e, d, { amount: 50 }))
  await send([...groups, ...events])
  const outcomes = ['renewed', 'renewed', 'renewed', 'churned', 'churned', 'churned', 'churned', 'renewed']
  for (let i = 0; i < 8; i++) {
    const res = await api(`/accounts/o${i}/outcomes`, p.adminKey, {
      method: 'POST',
      body: JSON.stringify({ kind: outcomes[i], date: '2026-01-15', amount: 1000 }),
    })
    expect(res.status).toBe(201)
  }
  const config = await (await api('/scoring/config', p.adminKey)).json<{ config: Record<string, unknown> }>()
  expect(
    (await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify({ ...config.config, min_cell_count: 1 }) })).status,
  ).toBe(200)
  await runCron()
})

interface Ranked {
  items: {
    account_id: string
    score: number | null
    band: string
    churn_risk: boolean
    churn_reasons: string[]
    flags: { key: string }[]
    segment: string
  }[]
}

describe('scoring through the daily cron and the CS API', () => {
  it('ranks the fading account first by risk, red, with its reasons', async () => {
    const res = await api('/health/accounts?sort=risk', p.readKey)
    expect(res.status).toBe(200)
    const { items } = await res.json<Ranked>()
    expect(items[0]).toMatchObject({ account_id: 'bad', band: 'red', churn_risk: true, segment: 'tech_touch' })
    expect(items[0].flags.map((f) => f.key)).toContain('no_activity_14d')
    expect(items[0].churn_reasons.join()).toMatch(/renewal in \d+ days/)
    const good = items.find((a) => a.account_id === 'good')!
    expect(good.band).toBe('green')
    expect(good.score).toBeGreaterThan(80)
  })

  it('filters by band, segment and fired rule', async () => {
    const red = await (await api('/health/accounts?band=red', p.readKey)).json<Ranked>()
    expect(red.items.every((a) => a.band === 'red')).toBe(true)
    const high = await (await api('/health/accounts?segment=high_touch', p.readKey)).json<Ranked>()
    expect(high.items.map((a) => a.account_id)).toEqual(['good'])
    const fired = await (await api('/health/accounts?rule=no_activity_14d', p.readKey)).json<Ranked>()
    expect(fired.items.map((a) => a.account_id)).toContain('bad')
    expect((await api('/health/accounts?band=purple', p.readKey)).status).toBe(400)
  })

  it('explains one account exactly, with history, users and per-feature state', async () => {
    const res = await api('/health/accounts/good', p.readKey)
    expect(res.status).toBe(200)
    const a = await res.json<{
      score: number
      explanation: {
        measures: { key: string; contribution: number; points_lost: number; score: number | null }[]
        health_drivers: { sentence: string }[]
      }
      history: { day: string; score: number }[]
      users: { user_id: string; score: number }[]
      features: { key: string; state: string }[]
      model_version: string
      data_fresh_until: string
    }>()
    const scored = a.explanation.measures.filter((m) => m.score !== null)
    expect(Math.round(scored.reduce((s, m) => s + m.contribution, 0) * 10) / 10).toBe(a.score)
    expect(Math.round(scored.reduce((s, m) => s + m.points_lost, 0) * 10) / 10).toBe(Math.round((100 - a.score) * 10) / 10)
    expect(a.explanation.health_drivers.length).toBeGreaterThan(0)
    expect(a.history).toHaveLength(1)
    expect(a.users).toHaveLength(4)
    expect(a.features.find((f) => f.key === 'f1')?.state).toBe('adopted')
    expect(a.model_version).toMatch(/^v-/)
    expect(a.data_fresh_until).toBeTruthy()
  })

  it('exports the ranking as CSV', async () => {
    const res = await api('/health/accounts.csv?sort=risk', p.readKey)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/csv/)
    const lines = (await res.text()).trim().split('\r\n')
    expect(lines[0]).toBe(
      'account_id,name,score,band,segment,churn_risk,delta30,top_risk,churn_reasons,flags,computed_at,owner,arr,renewal_date,last_active,open_alerts',
    )
    expect(lines[1]).toMatch(/^bad,Bad Co,[\d.]+,red,tech_touch,true,/)
  })

  it('exports exactly the rows of the JSON ranking for the same query (filters, churn_risk, rule, limit)', async () => {
    const csvIds = async (qs: string) => {
      const lines = (await (await api(`/health/accounts.csv?${qs}`, p.readKey)).text()).trim().split('\r\n').slice(1)
      return lines.map((l) => l.split(',')[0])
    }
    for (const qs of [
      'sort=risk&limit=100',
      'sort=health&limit=2',
      'churn_risk=false&limit=100',
      'churn_risk=true&limit=100',
      'rule=no_activity_14d&limit=100',
      'include_churned=true&limit=3',
      'segment=tech_touch&limit=100',
    ]) {
      const json = await (await api(`/health/accounts?${qs}`, p.readKey)).json<Ranked>()
      expect(await csvIds(qs), qs).toEqual(json.items.map((a) => a.account_id))
    }
    expect(await csvIds('churn_risk=false')).not.toContain('bad')
    expect(await csvIds('sort=health&limit=1')).toEqual(['good'])
  })

  it('applies the rule filter before the limit: the first match is found however far down the ranking it is', async () => {
    const all = await (await api('/health/accounts?sort=health&limit=1000', p.readKey)).json<Ranked>()
    const fired = all.items.filter((a) => a.flags.some((f) => f.key === 'no_activity_14d')).map((a) => a.account_id)
    expect(fired.length).toBeGreaterThan(1)
    const one = await (await api('/health/accounts?sort=health&rule=no_activity_14d&limit=1', p.readKey)).json<Ranked>()
    expect(one.items.map((a) => a.account_id)).toEqual(fired.slice(0, 1))
  })

  it('answers a score whose stored explanation is not the current shape with nulls, not a 500', async () => {
    await env.DB.prepare(`UPDATE account_scores SET explanation_json = '{"measures":"old"}' WHERE project_id = ?1 AND account_id = 'o7'`)
      .bind(p.id)
      .run()
    const res = await api('/health/accounts/o7', p.readKey)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      account_id: 'o7',
      explanation: null,
      trend: null,
      churn_reasons: null,
      top_risk: null,
      pes: null,
      metrics: null,
    })
    const ranked = await api('/health/accounts?sort=health', p.readKey)
    expect(ranked.status).toBe(200)
  })

  it('scores young accounts on the onboarding profile and reports raw usage metrics', async () => {
    const a = await (
      await api('/health/accounts/young', p.readKey)
    ).json<{ profile: string; metrics: Record<string, number | null>; explanation: { measures: { key: string; weight: number }[] } }>()
    expect(a.profile).toBe('onboarding')
    expect(a.explanation.measures.find((m) => m.key === 'momentum')?.weight).toBe(0)
    expect(a.metrics).toMatchObject({ active_users_7d: 1, logins_30d: 5, value_events_30d: 5, value_amount_30d: 250 })
  })

  it('scores users', async () => {
    const res = await api('/health/users/good-0', p.readKey)
    expect(res.status).toBe(200)
    expect((await res.json<{ score: number }>()).score).toBeGreaterThan(70)
  })

  it('answers which features predict renewal', async () => {
    const res = await api('/health/retention?days=30', p.readKey)
    expect(res.status).toBe(200)
    const body = await res.json<{
      accounts_with_outcomes: number
      features: { key: string; n11: number; n10: number; n01: number; n00: number; phi: number }[]
    }>()
    expect(body.accounts_with_outcomes).toBe(8)
    const f2 = body.features.find((f) => f.key === 'f2')!
    expect(f2).toMatchObject({ n11: 3, n10: 1, n01: 1, n00: 3 })
    expect(f2.phi).toBe(0.5)
    expect(body.features[0].key).toBe('f2')
  })

  it('summarises segments with PES', async () => {
    const body = await (
      await api('/health/segments', p.readKey)
    ).json<{ segments: { segment: string; accounts: number; pes: { stickiness: number | null } }[] }>()
    const high = body.segments.find((s) => s.segment === 'high_touch')!
    expect(high.accounts).toBe(1)
    expect((high as unknown as { benchmarks: Record<string, { n: number; p50: number }> }).benchmarks.seat_activation).toMatchObject({
      n: 1,
      p50: 1,
    })
    expect(high.pes.stickiness).toBeGreaterThan(90)
  })

  it('replays past days in order to build history and trend', async () => {
    const run = (d: number) =>
      api('/scoring/run', p.adminKey, { method: 'POST', body: JSON.stringify({ at: new Date(Date.now() - d * 86_400_000).toISOString() }) })
    for (const d of [30, 7]) expect((await run(d)).status).toBe(200)
    expect((await api('/scoring/run', p.adminKey, { method: 'POST' })).status).toBe(200)
    const a = await (
      await api('/health/accounts/bad', p.readKey)
    ).json<{ history: { day: string }[]; trend: { delta30: number; delta7: number; arrow: string } }>()
    expect(a.history).toHaveLength(3)
    // 30 days ago the account was busy; now it is silent
    expect(a.trend.delta30).toBeLessThan(-15)
    expect(a.trend.arrow).toBe('down')
  })

  it('keeps a snapshot per day and versions scores by model config', async () => {
    const config = await (await api('/scoring/config', p.adminKey)).json<{ config: Record<string, unknown>; version: string }>()
    const put = await api('/scoring/config', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ ...config.config, latest_version: '2.0.0' }),
    })
    const { version } = await put.json<{ version: string }>()
    expect(version).not.toBe(config.version)
    await runCron()
    const a = await (await api('/health/accounts/bad', p.readKey)).json<{ model_version: string; history: unknown[] }>()
    expect(a.model_version).toBe(version)
    expect(a.history).toHaveLength(3) // today's snapshot is replaced, not duplicated
  })

  it('reads a config stored before 0.2 with camelCase keys in its snake_case form, same version', async () => {
    const q = await newProject('legacy-config')
    const { config } = await (
      await api('/scoring/config', q.adminKey)
    ).json<{ config: { profiles: { default: Record<string, unknown> } } }>()
    const legacy = JSON.stringify(
      {
        ...config,
        min_cell_count: undefined,
        minCellCount: 3,
        latestVersion: '9.9.9',
        profiles: {
          default: { ...config.profiles.default, min_present_weight: undefined, hau_days: undefined, minPresentWeight: 0.5, hauDays: 12 },
        },
      },
      (k, v) => (k === 'lower_is_better' ? undefined : v),
    ).replace(/"cap":0\}/g, '"cap":0,"lowerIsBetter":true}')
    await env.DB.prepare(`INSERT INTO scoring_configs (project_id, version, config_json, updated_at) VALUES (?1, 'v-legacy', ?2, 0)`)
      .bind(q.id, legacy)
      .run()
    const read = await (
      await api('/scoring/config', q.readKey)
    ).json<{
      version: string
      config: {
        min_cell_count: number
        latest_version: string
        profiles: {
          default: { min_present_weight: number; hau_days: number; measures: { version_lag: { anchor: { lower_is_better: boolean } } } }
        }
      }
    }>()
    expect(read.version).toBe('v-legacy')
    expect(read.config).toMatchObject({
      min_cell_count: 3,
      latest_version: '9.9.9',
      profiles: { default: { min_present_weight: 0.5, hau_days: 12, measures: { version_lag: { anchor: { lower_is_better: true } } } } },
    })
    expect(JSON.stringify(read.config)).not.toMatch(/"[a-z]+[A-Z]\w*":/)
    // the camelCase body itself is refused: the admin API takes snake_case only
    const put = await api('/scoring/config', q.adminKey, { method: 'PUT', body: JSON.stringify({ ...read.config, minCellCount: 3 }) })
    expect(put.status).toBe(400)
  })

  it('lists every health, scoring, outcome and retention route in the OpenAPI document with a success response schema', async () => {
    const doc = await (
      await api('/openapi.json', p.readKey)
    ).json<{ paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> }>()
    const expected = [
      ['get', '/api/v1/health/accounts'],
      ['get', '/api/v1/health/accounts.csv'],
      ['get', '/api/v1/health/accounts/{id}'],
      ['get', '/api/v1/health/users/{id}'],
      ['get', '/api/v1/health/features'],
      ['get', '/api/v1/health/segments'],
      ['get', '/api/v1/health/retention'],
      ['get', '/api/v1/scoring/config'],
      ['put', '/api/v1/scoring/config'],
      ['post', '/api/v1/scoring/run'],
      ['get', '/api/v1/scoring/runs'],
      ['get', '/api/v1/scoring/backtest'],
      ['get', '/api/v1/accounts/{id}/outcomes'],
      ['post', '/api/v1/accounts/{id}/outcomes'],
    ]
    for (const [method, path] of expected) {
      const op = doc.paths[path]?.[method]
      expect(op, `${method} ${path}`).toBeDefined()
      const ok = Object.entries(op.responses).filter(([s]) => s.startsWith('2'))
      expect(ok.length, `${method} ${path}`).toBeGreaterThan(0)
      for (const [, r] of ok) expect(Object.values(r.content ?? {})[0]?.schema, `${method} ${path}`).toBeDefined()
    }
    expect(doc.paths['/api/v1/accounts/{id}/outcomes/{outcome_id}']?.delete?.responses['204']).toBeDefined()
  })

  it('rejects an invalid scoring config and a bad outcome with 400', async () => {
    expect((await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify({ profiles: {} }) })).status).toBe(400)
    expect(
      (await api('/accounts/good/outcomes', p.adminKey, { method: 'POST', body: JSON.stringify({ kind: 'maybe', date: 'soon' }) })).status,
    ).toBe(400)
    expect(
      (await api('/accounts/nope/outcomes', p.adminKey, { method: 'POST', body: JSON.stringify({ kind: 'renewed', date: '2026-01-01' }) }))
        .status,
    ).toBe(404)
    expect((await api('/scoring/config', p.readKey, { method: 'PUT', body: '{}' })).status).toBe(403)
    const future = new Date(Date.now() + 86_400_000).toISOString()
    expect((await api('/scoring/run', p.adminKey, { method: 'POST', body: JSON.stringify({ at: future }) })).status).toBe(400)
    expect((await api('/scoring/run', p.adminKey, { method: 'POST', body: JSON.stringify({ at: 'yesterday' }) })).status).toBe(400)
  })
})
