import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { api, newProject, post, track, type TestProject } from './fixtures'

let p: TestProject
const put = (key: string, body: unknown) => api(`/nudges/${key}`, p.adminKey, { method: 'PUT', body: JSON.stringify(body) })
const due = async (userId: string, extra = '') => {
  const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=${userId}${extra}`)
  expect(res.status).toBe(200)
  return (await res.json<{ nudges: { key: string; title: string; requires?: string; steps?: { feature: string; done: boolean }[] }[] }>())
    .nudges
}
/** Users ingest has seen: GET /v1/nudges answers nothing for anyone else. */
const seen = async (...userIds: string[]) => {
  const batch = userIds.map((userId) => ({ type: 'identify', messageId: crypto.randomUUID(), userId, traits: { name: userId } }))
  expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
}
const banner = (extra: Record<string, unknown> = {}) => ({
  kind: 'banner',
  title: { default: 'Try exports', fr: 'Essayez' },
  body: { default: 'Export in one click' },
  holdout: { share: 0 },
  ...extra,
})

beforeAll(async () => {
  p = await newProject('nudges')
  await api('/features/report.export', p.adminKey, {
    method: 'PUT',
    body: JSON.stringify({ name: 'Export', rules: [{ match: 'event', event: 'Report Exported' }] }),
  })
  await api('/features/invoice.send', p.adminKey, {
    method: 'PUT',
    body: JSON.stringify({ name: 'Send', rules: [{ match: 'event', event: 'Invoice Sent' }] }),
  })
  await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 } }) })
})

describe('nudge definitions', () => {
  it('accepts a valid nudge and lists it', async () => {
    const res = await put('export-tip', banner({ target_feature: 'report.export' }))
    expect(res.status).toBe(201)
    const list = await (await api('/nudges', p.readKey)).json<{ nudges: { key: string }[] }>()
    expect(list.nudges.map((n) => n.key)).toContain('export-tip')
  })

  it.each([
    ['an unknown target feature', banner({ target_feature: 'nope' }), /unknown feature .{0,2}nope/],
    ['an anchor Uptake cannot check', { ...banner(), kind: 'tooltip', anchor: 'div:::weird((' }, /anchor/],
    ['a tooltip without anchor', { ...banner(), kind: 'tooltip' }, /anchor/],
    [
      'a checklist step on an unknown feature',
      { ...banner(), kind: 'checklist', steps: [{ feature: 'ghost', label: { default: 'x' } }] },
      /ghost/,
    ],
  ])('refuses %s with a clear 400', async (_n, body, message) => {
    const res = await put('bad', body)
    expect(res.status).toBe(400)
    expect(JSON.stringify(await res.json())).toMatch(message)
  })

  it('takes and answers the definition in snake_case, defaults filled in, 201 then 200', async () => {
    const body = banner({
      target_feature: 'report.export',
      targeting: { element_present: '#reports', feature_not_used: 'report.export', min_days_since_signup: 0 },
      caps: { max_shows: 2 },
      conversion_days: 7,
    })
    const created = await put('snake', body)
    expect(created.status).toBe(201)
    expect((await put('snake', body)).status).toBe(200)
    const { nudge } = await (await api('/nudges/snake', p.readKey)).json<{ nudge: Record<string, unknown> }>()
    expect(nudge).toMatchObject({
      key: 'snake',
      target_feature: 'report.export',
      conversion_days: 7,
      caps: { max_shows: 2, min_days_between: 1 },
      targeting: { element_present: '#reports', feature_not_used: 'report.export' },
    })
    expect(JSON.stringify(nudge)).not.toMatch(/[a-z][A-Z]/)
  })

  it('refuses the camelCase field names of 0.1 as unknown fields', async () => {
    const res = await put('camel', banner({ targetFeature: 'report.export', caps: { maxShows: 2 } }))
    expect(res.status).toBe(400)
    const { error } = await res.json<{ error: { code: string; details: { unknown: string[] } } }>()
    expect(error.code).toBe('unknown_fields')
    expect(error.details.unknown).toEqual(expect.arrayContaining(['targetFeature', 'caps.maxShows']))
  })

  it('still loads a definition stored in camelCase before 0.2, for the API and for the widget', async () => {
    const legacy = {
      kind: 'banner',
      title: { default: 'Old', 'pt-BR': 'Velho' },
      body: { default: 'b' },
      targetFeature: 'invoice.send',
      targeting: { elementPresent: '#legacy', minDaysSinceSignup: 0 },
      caps: { maxShows: 5, minDaysBetween: 0 },
      holdout: { share: 0, unit: 'user' },
      conversionDays: 9,
      priority: 100,
      buttons: [],
      active: true,
    }
    await env.DB.prepare(
      "INSERT INTO nudges (project_id, key, kind, definition_json, active, created_at, updated_at) VALUES (?1, 'legacy', 'banner', ?2, 1, 0, 0)",
    )
      .bind(p.id, JSON.stringify(legacy))
      .run()
    const { nudge } = await (await api('/nudges/legacy', p.readKey)).json<{ nudge: Record<string, unknown> }>()
    expect(nudge).toMatchObject({
      target_feature: 'invoice.send',
      conversion_days: 9,
      caps: { max_shows: 5, min_days_between: 0 },
      targeting: { element_present: '#legacy' },
      title: { 'pt-BR': 'Velho' },
    })
    await seen('u-legacy')
    const shown = (await due('u-legacy', '&locale=pt-BR')).find((n) => n.key === 'legacy')
    expect(shown).toMatchObject({ title: 'Velho', requires: '#legacy' })
    await api('/nudges/legacy', p.adminKey, { method: 'DELETE' })
  })

  it('leaves out a stored definition that is not JSON, in the list, the lookup and the widget’s answer', async () => {
    await env.DB.prepare(
      "INSERT INTO nudges (project_id, key, kind, definition_json, active, created_at, updated_at) VALUES (?1, 'broken', 'banner', '{not json', 1, 0, 0)",
    )
      .bind(p.id)
      .run()
    const list = await api('/nudges', p.readKey)
    expect(list.status).toBe(200)
    expect((await list.json<{ nudges: { key: string }[] }>()).nudges.map((n) => n.key)).not.toContain('broken')
    expect((await api('/nudges/broken', p.readKey)).status).toBe(404)
    await seen('u-broken')
    expect((await due('u-broken')).map((n) => n.key)).not.toContain('broken')
    await env.DB.prepare("DELETE FROM nudges WHERE project_id = ?1 AND key = 'broken'").bind(p.id).run()
  })

  it('does not let a read key write nudges', async () => {
    expect((await api('/nudges/x', p.readKey, { method: 'PUT', body: JSON.stringify(banner()) })).status).toBe(403)
  })
})

describe('GET /v1/nudges', () => {
  it('returns due nudges in the user locale, and remembers dismissal on the server', async () => {
    await put('export-tip', banner({ target_feature: 'report.export' }))
    await seen('u-dismiss')
    expect((await due('u-dismiss', '&locale=fr-CA')).map((n) => n.title)).toContain('Essayez')
    const dismissal = {
      writeKey: p.writeKey,
      batch: [
        track('u-dismiss', '$nudge_shown', { properties: { nudge: 'export-tip' } }),
        track('u-dismiss', '$nudge_dismissed', { properties: { nudge: 'export-tip' } }),
      ],
    }
    expect((await post('/v1/batch', dismissal)).status).toBe(200)
    expect((await due('u-dismiss')).map((n) => n.key)).not.toContain('export-tip')
  })

  it('never shows a nudge whose target feature the user already adopted', async () => {
    const days = [1, 2, 3].map((d) =>
      track('u-adopted', 'Report Exported', { timestamp: new Date(Date.now() - d * 86_400_000).toISOString() }),
    )
    await post('/v1/batch', { writeKey: p.writeKey, batch: days })
    expect((await due('u-adopted')).map((n) => n.key)).not.toContain('export-tip')
  })

  it('ticks checklist steps from feature use', async () => {
    await put('setup', {
      ...banner(),
      kind: 'checklist',
      steps: [
        { feature: 'report.export', label: { default: 'Export' } },
        { feature: 'invoice.send', label: { default: 'Send' } },
      ],
    })
    await post('/v1/batch', { writeKey: p.writeKey, batch: [track('u-check', 'Invoice Sent')] })
    const list = await due('u-check')
    expect(list.find((n) => n.key === 'setup')?.steps).toEqual([
      { feature: 'report.export', label: 'Export', done: false },
      { feature: 'invoice.send', label: 'Send', done: true },
    ])
  })

  it('holds out users by a stable hash and records when they were first eligible', async () => {
    await put('all-held', banner({ holdout: { share: 0.5, unit: 'user' } }))
    await seen(...Array.from({ length: 20 }, (_, i) => `hold-${i}`))
    const shown: string[] = []
    for (let i = 0; i < 20; i++) if ((await due(`hold-${i}`)).some((n) => n.key === 'all-held')) shown.push(`hold-${i}`)
    expect(shown.length).toBeGreaterThan(2)
    expect(shown.length).toBeLessThan(18)
    const held = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM nudge_states WHERE project_id = ?1 AND nudge_key = 'all-held' AND exposure = 'holdout'",
    )
      .bind(p.id)
      .first<number>('n')
    expect(held).toBe(20 - shown.length)
    // the same users are held out next time
    const again = (await due(shown[0])).some((n) => n.key === 'all-held')
    expect(again).toBe(true)
  })

  it('sends the project theme set in the settings', async () => {
    await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20, theme: { accent: '#e91e63', radius: '4px' } } }),
    })
    await seen('u-theme')
    const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=u-theme`)
    expect((await res.json<{ theme: Record<string, string> }>()).theme).toEqual({ accent: '#e91e63', radius: '4px' })
    const bad = await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ nudges: { theme: { accent: 'red; background: url(x)' } } }),
    })
    expect(bad.status).toBe(400)
  })

  it('rejects a request without user id or with a wrong key', async () => {
    expect((await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}`)).status).toBe(400)
    expect((await SELF.fetch('http://uptake.test/v1/nudges?writeKey=wk_nope&userId=u')).status).toBe(401)
  })
})

describe('conversion and lift', () => {
  it('computes conversion of shown vs holdout users with the lift and its interval', async () => {
    await put('lift-test', banner({ target_feature: 'invoice.send', conversion_days: 14 }))
    const now = Date.now()
    const exposed = now - 10 * 86_400_000
    const rows: [string, string][] = []
    for (let i = 0; i < 40; i++) rows.push([`shown-${i}`, 'shown'])
    for (let i = 0; i < 20; i++) rows.push([`ctrl-${i}`, 'holdout'])
    await env.DB.batch(
      rows.map(([u, g]) =>
        env.DB.prepare(
          `INSERT INTO nudge_states (project_id, user_id, nudge_key, exposure, shows, first_exposed_at) VALUES (?1, ?2, 'lift-test', ?3, ?4, ?5)`,
        ).bind(p.id, u, g, g === 'shown' ? 1 : 0, exposed),
      ),
    )
    // 20 of 40 shown users and 5 of 20 held-out users used the feature within 14 days
    const uses = [...Array.from({ length: 20 }, (_, i) => `shown-${i}`), ...Array.from({ length: 5 }, (_, i) => `ctrl-${i}`)]
    await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: uses.map((u) => track(u, 'Invoice Sent', { timestamp: new Date(exposed + 3 * 86_400_000).toISOString() })),
    })
    const res = await api('/nudges/lift-test/performance', p.readKey)
    expect(res.status).toBe(200)
    const perf = await res.json<{
      overall: {
        shown: { users: number; converted: number; rate: number }
        holdout: { users: number; rate: number }
        lift: number
        ci95: [number, number]
      }
    }>()
    expect(perf.overall.shown).toMatchObject({ users: 40, converted: 20, rate: 0.5 })
    expect(perf.overall.holdout).toMatchObject({ users: 20, rate: 0.25 })
    expect(perf.overall.lift).toBe(0.25)
    // Newcombe hybrid score: Wilson 20/40 = [.3520, .6480], 5/20 = [.1119, .4687]; Wald's [0.005, 0.495] called it significant
    expect(perf.overall.ci95).toEqual([-0.0141, 0.4525])
  })

  it('lists anchors the widget reported missing', async () => {
    await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [
        track('u-a', '$nudge_anchor_missing', {
          properties: { nudge: 'export-tip', selector: '#gone' },
          context: { page: { path: '/reports' } },
        }),
      ],
    })
    const body = await (
      await api('/nudges/anchors', p.readKey)
    ).json<{ missing_anchors: { nudge_key: string; selector: string; path: string }[] }>()
    expect(body.missing_anchors[0]).toMatchObject({ nudge_key: 'export-tip', selector: '#gone', path: '/reports' })
  })
})
