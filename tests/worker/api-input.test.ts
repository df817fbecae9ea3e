import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api, newProject, post } from './fixtures'

type ErrorBody = { error: { code: string; message: string; details?: { unknown?: string[]; accepted?: string[] } } }

describe('body limits on the admin and CS API', () => {
  it('answers a JSON 413 for a settings body over 64 KB instead of storing it', async () => {
    const p = await newProject()
    const body = JSON.stringify({ capture: { strip_query_params: ['token'] }, blob: 'x'.repeat(5 * 1024 * 1024) })
    const res = await api('/settings', p.adminKey, { method: 'PUT', body })
    expect(res.status).toBe(413)
    expect((await res.json<ErrorBody>()).error.code).toBe('payload_too_large')
  })

  it('limits a streamed body without Content-Length too', async () => {
    const p = await newProject()
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const res = await api('/features/report.export', p.adminKey, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit)
    expect(res.status).toBe(413)
  })

  it('accepts a body just under the limit', async () => {
    const p = await newProject()
    const res = await api('/features/report.export', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ name: 'Export', rules: [] }) + ' '.repeat(60 * 1024),
    })
    expect(res.status).toBe(201)
  })
})

describe('unknown fields in admin bodies', () => {
  it('refuses unknown settings keys at any depth and names them, keeping the stored settings', async () => {
    const p = await newProject()
    expect(
      (await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ capture: { capture_clicks: false } }) })).status,
    ).toBe(200)
    const res = await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ blob: 'x', capture: { capture_click: true }, nudges: { theme: { accentt: '#fff' } } }),
    })
    expect(res.status).toBe(400)
    const err = (await res.json<ErrorBody>()).error
    expect(err.code).toBe('unknown_fields')
    expect(err.details?.unknown).toEqual(['blob', 'capture.capture_click', 'nudges.theme.accentt'])
    const stored = await (
      await api('/settings', p.adminKey)
    ).json<{ settings: Record<string, unknown> & { capture: { capture_clicks: boolean } } }>()
    expect(stored.settings.capture.capture_clicks).toBe(false)
    expect(stored.settings).not.toHaveProperty('blob')
  })

  it('refuses unknown keys in features (inside rules too), nudges, scoring config and account attributes', async () => {
    const p = await newProject()
    const feature = await api('/features/report.export', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ name: 'Export', rules: [{ match: 'event', event: 'Exported', selector: '#x' }] }),
    })
    expect(feature.status).toBe(400)
    expect((await feature.json<ErrorBody>()).error.details?.unknown).toEqual(['rules.0.selector'])

    const nudge = await api('/nudges/tip', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ kind: 'banner', title: { default: 'Hi' }, body: { default: 'There' }, colour: 'red' }),
    })
    expect(nudge.status).toBe(400)
    expect((await nudge.json<ErrorBody>()).error.details?.unknown).toEqual(['colour'])

    const { config } = await (await api('/scoring/config', p.adminKey)).json<{ config: Record<string, unknown> }>()
    const scoring = await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify({ ...config, minCelCount: 3 }) })
    expect(scoring.status).toBe(400)
    expect((await scoring.json<ErrorBody>()).error.details?.unknown).toEqual(['minCelCount'])

    const attrs = await api('/accounts/acme', p.adminKey, { method: 'PATCH', body: JSON.stringify({ arr: 100, toString: 1 }) })
    expect(attrs.status).toBe(400)
    expect((await attrs.json<ErrorBody>()).error.details?.unknown).toEqual(['toString'])
  })

  it('drops a blob stored before unknown keys were refused, at the first read, keeping the settings', async () => {
    const p = await newProject()
    const bloated = JSON.stringify({ capture: { captureClicks: false }, blob: 'x'.repeat(2 * 1024 * 1024) })
    await env.DB.prepare('UPDATE projects SET settings_json = ?2 WHERE id = ?1').bind(p.id, bloated).run()
    const res = await SELF.fetch(`http://uptake.test/v1/config?writeKey=${p.writeKey}`)
    expect(res.status).toBe(200)
    expect((await res.json<{ capture: { captureClicks: boolean } }>()).capture.captureClicks).toBe(false)
    const stored = await env.DB.prepare('SELECT settings_json FROM projects WHERE id = ?1').bind(p.id).first<string>('settings_json')
    expect(stored!.length).toBeLessThan(4096)
    // the legacy camelCase row comes back in the stored form of 0.2, snake_case
    expect(JSON.parse(stored!)).toMatchObject({ capture: { capture_clicks: false } })
    expect(JSON.parse(stored!)).not.toHaveProperty('blob')
  })

  it('refuses a non-JSON body rather than acting on an empty object', async () => {
    const p = await newProject()
    await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ capture: { capture_clicks: false } }) })
    const res = await api('/settings', p.adminKey, {
      method: 'PUT',
      body: 'capture=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(res.status).toBe(415)
    const stored = await (await api('/settings', p.adminKey)).json<{ settings: { capture: { capture_clicks: boolean } } }>()
    expect(stored.settings.capture.capture_clicks).toBe(false)
  })
})

describe('query parameters', () => {
  it('refuses an unknown query parameter, listing the accepted ones', async () => {
    const p = await newProject()
    const res = await api('/health/retention?window=90', p.readKey)
    expect(res.status).toBe(400)
    const err = (await res.json<ErrorBody>()).error
    expect(err.code).toBe('unknown_parameter')
    expect(err.message).toContain('window')
    expect(err.details).toEqual({ unknown: ['window'], accepted: ['days', 'min_uses'] })
  })

  it('refuses any query parameter on routes that take none', async () => {
    const p = await newProject()
    for (const path of ['/features?all=1', '/settings?x=', '/health/segments?segment=smb', '/nudges/anchors?days=7']) {
      const res = await api(path, p.adminKey)
      expect(res.status, path).toBe(400)
      expect((await res.json<ErrorBody>()).error.details?.accepted, path).toEqual([])
    }
  })

  it('takes integers in plain decimal only', async () => {
    const p = await newProject()
    for (const limit of ['0x10', '1e3', '%205', '5.0', '+5', '', '99999999999999999999']) {
      const res = await api(`/accounts?limit=${limit}`, p.readKey)
      expect(res.status, limit).toBe(400)
      expect((await res.json<ErrorBody>()).error.code, limit).toBe('invalid_request')
    }
    expect((await api('/accounts?limit=16', p.readKey)).status).toBe(200)
    expect((await api('/health/retention?days=90&min_uses=2', p.readKey)).status).toBe(200)
  })

  it('takes integer path parameters in plain decimal only', async () => {
    const p = await newProject()
    await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [{ type: 'group', messageId: crypto.randomUUID(), userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } }],
    })
    const created = await api('/accounts/acme/outcomes', p.adminKey, {
      method: 'POST',
      body: JSON.stringify({ kind: 'renewed', date: '2026-01-02' }),
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json<{ outcome: { id: number } }>()).outcome
    for (const spelled of [`0x${id.toString(16)}`, `${id}e0`, `%20${id}`, `+${id}`, `${id}.0`]) {
      expect((await api(`/accounts/acme/outcomes/${spelled}`, p.adminKey, { method: 'DELETE' })).status, spelled).toBe(404)
    }
    const { outcomes } = await (await api('/accounts/acme/outcomes', p.adminKey)).json<{ outcomes: { id: number }[] }>()
    expect(outcomes.map((o) => o.id)).toEqual([id])
    expect((await api(`/accounts/acme/outcomes/${id}`, p.adminKey, { method: 'DELETE' })).status).toBeLessThan(300)
  })

  it('refuses a repeated parameter', async () => {
    const p = await newProject()
    expect((await api('/accounts?limit=1&limit=2', p.readKey)).status).toBe(400)
  })
})
