import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { NudgesResponse } from '../../shared/nudge-events'
import { inHoldout } from '../../worker/src/nudges/holdout'
import { api, newProject, post, track, type TestProject } from './fixtures'

let p: TestProject
const put = (key: string, body: unknown) => api(`/nudges/${key}`, p.adminKey, { method: 'PUT', body: JSON.stringify(body) })
/** GET /v1/nudges as a device of `userId` would ask it: its own session, on a page. */
const decide = async (userId: string, { session = 'dev-1', path = '/app/invoices' } = {}) => {
  const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=${userId}&session=${session}&path=${path}`)
  expect(res.status).toBe(200)
  return res.json<NudgesResponse>()
}
const seen = async (...userIds: string[]) => {
  const batch = userIds.map((userId) => ({ type: 'identify', messageId: crypto.randomUUID(), userId, traits: { name: userId } }))
  expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
}
/** Tour interactions as the widget reports them, in one batch, a millisecond apart (in order), from a session. */
async function report(userId: string, nudge: string, moves: [string, number?][], session = 'dev-1') {
  const t0 = Date.now()
  const batch = moves.map(([event, step], i) =>
    track(userId, `$nudge_${event}`, {
      timestamp: new Date(t0 + i).toISOString(),
      properties: { nudge, ...(step === undefined ? {} : { step }) },
      context: { sessionId: session },
    }),
  )
  expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
}
const step = (n: number, extra: Record<string, unknown> = {}) => ({
  title: { default: `Step ${n + 1}`, fr: `Étape ${n + 1}` },
  body: { default: `Body ${n + 1}` },
  ...extra,
})
const tour = (extra: Record<string, unknown> = {}) => ({
  kind: 'tour',
  title: { default: 'Invoicing tour' },
  body: { default: 'Three steps' },
  targeting: { path: '/app/invoices' },
  holdout: { share: 0 },
  steps: [step(0, { anchor: '#new-invoice', path: '/app/invoices' }), step(1), step(2, { anchor: '#export', path: '/app/reports' })],
  ...extra,
})

beforeAll(async () => {
  p = await newProject('tours')
  await api('/features/invoice.send', p.adminKey, {
    method: 'PUT',
    body: JSON.stringify({ name: 'Send', rules: [{ match: 'event', event: 'Invoice Sent' }] }),
  })
  await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 } }) })
})

describe('tour definitions', () => {
  it('accepts a tour of anchored and floating steps and answers it with defaults filled in', async () => {
    expect((await put('tour-ok', tour())).status).toBe(201)
    const { nudge } = await (await api('/nudges/tour-ok', p.readKey)).json<{ nudge: { steps: Record<string, unknown>[] } }>()
    expect(nudge.steps).toHaveLength(3)
    expect(nudge.steps[1]).toEqual({ ...step(1), buttons: [], placement: 'auto' })
    await api('/nudges/tour-ok', p.adminKey, { method: 'DELETE' })
  })

  it.each([
    ['a tour without steps', tour({ steps: [] }), /a tour needs 1-20 steps/],
    ['a tour of 21 steps', tour({ steps: Array.from({ length: 21 }, (_, i) => step(i)) }), /steps/],
    ['a tour with checklist items for steps', tour({ steps: [{ feature: 'invoice.send', label: { default: 'x' } }] }), /a tour needs/],
    ['a checklist with tour steps', { ...tour(), kind: 'checklist' }, /a checklist needs steps/],
    ['a step anchor Uptake cannot check', tour({ steps: [step(0, { anchor: 'div:::((' })] }), /steps\.0\.anchor/],
    ['a step without its default text', tour({ steps: [{ title: { fr: 'x' }, body: { default: 'b' } }] }), /default/],
    ['a step on a page that is not a path', tour({ steps: [step(0, { path: 'https://evil.test/' })] }), /path starting with/],
    ['a step with an unknown placement', tour({ steps: [step(0, { placement: 'sideways' })] }), /placement/],
  ])('refuses %s with a clear 400', async (_name, body, message) => {
    const res = await put('bad-tour', body)
    expect(res.status).toBe(400)
    expect(JSON.stringify(await res.json())).toMatch(message)
  })

  it('refuses a field a tour step does not have', async () => {
    const res = await put('bad-tour', tour({ steps: [step(0, { colour: 'red' })] }))
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { code: string; details: { unknown: string[] } } }>()).error.details.unknown).toEqual([
      'steps.0.colour',
    ])
  })
})

describe('tour progress, kept by the server', () => {
  it('sends a due tour to the tours chunk (not the nudge list), in the user locale, at its first step', async () => {
    await put('tour-a', tour())
    await seen('ana')
    const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=ana&path=/app/invoices&locale=fr`)
    const body = await res.json<NudgesResponse>()
    expect(body.nudges.map((n) => n.key)).not.toContain('tour-a')
    expect(body.tours).toHaveLength(1)
    expect(body.tours![0]).toMatchObject({ key: 'tour-a', step: 0, steps: [{ title: 'Étape 1', anchor: '#new-invoice' }, {}, {}] })
    // page targeting decides where a tour starts
    expect((await decide('ana', { path: '/app/reports' })).tours ?? []).toEqual([])
  })

  it('resumes at the kept step on another page, after a reload and on another device, past the per-nudge caps', async () => {
    await report('ana', 'tour-a', [
      ['shown', 0],
      ['advanced', 0],
      ['shown', 1],
      ['advanced', 1],
      ['shown', 2],
    ])
    // same device, the page of step 3 (not the tour's start page)
    expect((await decide('ana', { path: '/app/reports' })).tours?.[0]).toMatchObject({ key: 'tour-a', step: 2 })
    // another device: a new session the next minute, though caps.min_days_between (1 day) would hold a new show back
    expect((await decide('ana', { session: 'phone-1', path: '/app/settings' })).tours?.[0]).toMatchObject({ key: 'tour-a', step: 2 })
    await report('ana', 'tour-a', [['went_back', 2]], 'phone-1')
    expect((await decide('ana', { session: 'dev-1' })).tours?.[0]?.step).toBe(1)
  })

  it('lets a tour waiting for another page keep its place without holding back this page’s overlay', async () => {
    await put('inv-modal', {
      kind: 'modal',
      priority: 900,
      title: { default: 'm' },
      body: { default: 'b' },
      targeting: { path: '/app/settings' },
      holdout: { share: 0 },
    })
    await put('tour-wait', tour())
    await seen('fay')
    await report('fay', 'tour-wait', [
      ['shown', 0],
      ['advanced', 0],
      ['shown', 1],
      ['advanced', 1],
    ])
    // step 3 belongs on /app/reports: on /app/settings the modal shows and the tour stays due, waiting
    const there = await decide('fay', { path: '/app/settings' })
    expect(there.nudges.map((n) => n.key)).toContain('inv-modal')
    expect(there.tours?.map((t) => t.key)).toEqual(['tour-wait'])
    await api('/nudges/inv-modal', p.adminKey, { method: 'DELETE' })
  })

  it('never rewinds the kept step for a late retry of an older move', async () => {
    await put('tour-late', tour())
    await seen('late')
    await report('late', 'tour-late', [
      ['shown', 0],
      ['advanced', 0],
      ['shown', 1],
    ])
    // a retried batch carrying the first move, with its original (older) timestamp
    const old = track('late', '$nudge_advanced', {
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      properties: { nudge: 'tour-late', step: 0 },
    })
    const wentBack = track('late', '$nudge_went_back', {
      timestamp: new Date(Date.now() - 30_000).toISOString(),
      properties: { nudge: 'tour-late', step: 1 },
    })
    await post('/v1/batch', { writeKey: p.writeKey, batch: [old, wentBack] })
    expect((await decide('late')).tours?.[0]?.step).toBe(1)
  })

  it('stops a skipped or completed tour, and a restart from the launcher starts it over at step 1', async () => {
    await seen('ben', 'cy')
    await report('ben', 'tour-a', [
      ['shown', 0],
      ['advanced', 0],
      ['shown', 1],
      ['dismissed', 1],
    ])
    expect(((await decide('ben')).tours ?? []).map((t) => t.key)).not.toContain('tour-a')
    await report('cy', 'tour-a', [
      ['shown', 0],
      ['advanced', 0],
      ['shown', 1],
      ['advanced', 1],
      ['shown', 2],
      ['completed', 2],
    ])
    expect(((await decide('cy', { path: '/app/reports' })).tours ?? []).map((t) => t.key)).not.toContain('tour-a')
    await report(
      'ben',
      'tour-a',
      [
        ['restarted', 0],
        ['shown', 0],
      ],
      'dev-2',
    )
    expect((await decide('ben', { session: 'dev-2' })).tours?.[0]).toMatchObject({ key: 'tour-a', step: 0 })
  })

  it('counts each step’s users: shown, gone past, skipped there', async () => {
    const perf = await (await api('/nudges/tour-a/performance', p.readKey)).json<{ steps: unknown[]; funnel: Record<string, number> }>()
    // ana: 0 → 1 → 2 → back to 1; ben: 0 → skipped on 1, then restarted (0); cy: completed all three
    expect(perf.steps).toEqual([
      { index: 0, shown: 3, advanced: 3, dismissed: 0 },
      { index: 1, shown: 3, advanced: 2, dismissed: 1 },
      { index: 2, shown: 2, advanced: 1, dismissed: 0 },
    ])
    expect(perf.funnel).toMatchObject({ users_shown: 3, completed: 1 })
  })

  it('answers an empty step list for the other kinds', async () => {
    await put('plain', { kind: 'banner', title: { default: 't' }, body: { default: 'b' } })
    expect((await (await api('/nudges/plain/performance', p.readKey)).json<{ steps: unknown[] }>()).steps).toEqual([])
  })

  it('counts a completed tour as a conversion to its target feature', async () => {
    await put('tour-conv', tour({ target_feature: 'invoice.send', targeting: {} }))
    await seen('dee', 'eve')
    await report('dee', 'tour-conv', [
      ['shown', 0],
      ['advanced', 0],
      ['shown', 1],
      ['advanced', 1],
      ['shown', 2],
      ['completed', 2],
    ])
    await report('eve', 'tour-conv', [
      ['shown', 0],
      ['dismissed', 0],
    ])
    const perf = await (
      await api('/nudges/tour-conv/performance', p.readKey)
    ).json<{ overall: { shown: { users: number; converted: number } } }>()
    expect(perf.overall.shown).toMatchObject({ users: 2, converted: 1 })
  })
})

describe('tour holdout', () => {
  it('holds users out by the same stable hash: no tour, no launcher entry, the exposure recorded', async () => {
    await put('tour-held', tour({ holdout: { share: 0.5, unit: 'user' }, targeting: {} }))
    await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 }, launcher: { enabled: true } }),
    })
    const users = Array.from({ length: 12 }, (_, i) => `held-${i}`)
    await seen(...users)
    const held = users.filter((u) => inHoldout(u, 'tour-held', 0.5))
    expect(held.length).toBeGreaterThan(0)
    expect(held.length).toBeLessThan(users.length)
    for (const u of users) {
      const body = await decide(u)
      const listed = (body.launcher?.guides ?? []).map((g) => g.key)
      if (held.includes(u)) {
        expect(body.tours?.map((t) => t.key)).not.toContain('tour-held')
        expect(listed).not.toContain('tour-held')
      } else expect(listed).toContain('tour-held')
    }
    const rows = await env.DB.prepare(
      "SELECT user_id FROM nudge_states WHERE project_id = ?1 AND nudge_key = 'tour-held' AND exposure = 'holdout' ORDER BY user_id",
    )
      .bind(p.id)
      .all<{ user_id: string }>()
    expect(rows.results.map((r) => r.user_id)).toEqual([...held].sort())
  })
})

describe('launcher', () => {
  it('is off by default and refuses a position it does not have', async () => {
    const other = await newProject('tours-default')
    const { settings } = await (await api('/settings', other.readKey)).json<{ settings: { launcher: unknown } }>()
    expect(settings.launcher).toEqual({ enabled: false, position: 'bottom-right', label: 'Help' })
    const bad = await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ launcher: { enabled: true, position: 'top' } }),
    })
    expect(bad.status).toBe(400)
  })

  it('lists the tours and checklists a user can start, resume or restart, with progress; none when off', async () => {
    await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({
        nudges: { max_per_session: 5, max_per_week: 20 },
        launcher: { enabled: true, position: 'bottom-left', label: 'Guides' },
      }),
    })
    await put('setup', {
      kind: 'checklist',
      title: { default: 'Get set up' },
      body: { default: 'b' },
      holdout: { share: 0 },
      steps: [{ feature: 'invoice.send', label: { default: 'Send an invoice' } }],
    })
    await post('/v1/batch', { writeKey: p.writeKey, batch: [track('ben', 'Invoice Sent')] })
    await report(
      'ben',
      'tour-a',
      [
        ['advanced', 0],
        ['shown', 1],
        ['dismissed', 1],
      ],
      'dev-2',
    )
    const { launcher } = await decide('ben', { path: '/app/settings' })
    expect(launcher).toMatchObject({ position: 'bottom-left', label: 'Guides' })
    const guides = new Map(launcher!.guides.map((g) => [g.key, g]))
    expect(guides.get('tour-a')).toMatchObject({ kind: 'tour', status: 'dismissed', done: 1, total: 3, tour: { key: 'tour-a', step: 1 } })
    expect(guides.get('setup')).toMatchObject({
      kind: 'checklist',
      status: 'completed',
      done: 1,
      total: 1,
      items: [{ label: 'Send an invoice', done: true }],
    })
    expect(guides.get('tour-conv')).toMatchObject({ status: 'new', done: 0 })
    expect(guides.has('plain')).toBe(false) // only tours and checklists are guides
    await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 } }) })
    expect((await decide('ben')).launcher).toBeUndefined()
  })
})
