import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api, newProject, post, track } from './fixtures'

const getConfig = (writeKey: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`http://uptake.test/v1/config?writeKey=${encodeURIComponent(writeKey)}`, { headers })

describe('GET /v1/config', () => {
  it('gives the widget client-side rules only, with capture settings, cacheable with an ETag', async () => {
    const p = await newProject()
    await api('/features/report.export', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({
        name: 'Export',
        rules: [
          { match: 'click', selector: '#export', path: '/reports' },
          { match: 'event', event: 'Exported' },
        ],
      }),
    })
    await api('/features/server.only', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ name: 'Server only', rules: [{ match: 'event', event: 'Paid' }] }),
    })
    const res = await getConfig(p.writeKey)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toMatch(/max-age=60/)
    const config = await res.json<{
      features: { key: string; rules: unknown[] }[]
      capture: { sessionTimeoutMinutes: number }
      nudges: boolean
    }>()
    expect(config.features).toEqual([
      { key: 'report.export', name: 'Export', rules: [{ match: 'click', selector: '#export', path: '/reports' }] },
    ])
    expect(config.capture.sessionTimeoutMinutes).toBe(30)
    const again = await getConfig(p.writeKey, { 'if-none-match': res.headers.get('etag')! })
    expect(again.status).toBe(304)
  })

  it('refuses an unknown or secret key', async () => {
    const p = await newProject()
    expect((await getConfig('wk_nope')).status).toBe(401)
    expect((await getConfig(p.adminKey)).status).toBe(401)
  })

  it('reflects capture settings changed through the admin API', async () => {
    const p = await newProject()
    const body = {
      capture: { require_consent: true, respect_do_not_track: true, strip_query_params: ['ref'], session_timeout_minutes: 15 },
    }
    const put = await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify(body) })
    expect(put.status).toBe(200)
    // the admin API is snake_case, the widget's own wire camelCase
    const config = await (await getConfig(p.writeKey)).json<{ capture: Record<string, unknown> }>()
    expect(config.capture).toEqual({
      requireConsent: true,
      respectDoNotTrack: true,
      stripQueryParams: ['ref'],
      sessionTimeoutMinutes: 15,
      captureClicks: true,
    })
  })

  it('rejects invalid settings with a 400', async () => {
    const p = await newProject()
    const res = await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ capture: { session_timeout_minutes: -5 } }) })
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { details: string[] } }>()).error.details.join()).toMatch(/session_timeout_minutes/)
  })
})

describe('GET /api/v1/widget-errors', () => {
  it('lists the widget errors reported through ingest, newest first, with where and page', async () => {
    const p = await newProject()
    const context = { page: { path: '/reports' } }
    const older = track('u1', '$widget_error', {
      properties: { message: 'boom', where: 'click' },
      context,
      timestamp: new Date(Date.now() - 60_000).toISOString(),
    })
    const newer = track('u1', '$widget_error', { properties: { message: 'bang', where: 'route' }, context })
    const sent = await post('/v1/batch', { writeKey: p.writeKey, batch: [older, newer, track('u1', 'Other')] })
    expect(sent.status).toBe(200)
    const res = await api('/widget-errors', p.readKey)
    expect(res.status).toBe(200)
    const { errors } = await res.json<{ errors: { message: string; where: string; path: string; user_id: string }[] }>()
    expect(errors.map((e) => [e.message, e.where, e.path, e.user_id])).toEqual([
      ['bang', 'route', '/reports', 'u1'],
      ['boom', 'click', '/reports', 'u1'],
    ])
  })

  it('needs a secret key', async () => {
    const p = await newProject()
    expect((await api('/widget-errors', p.writeKey)).status).toBe(401)
  })
})
