import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { archivedEvent, basic, newProject, post, track } from './fixtures'

describe('POST /v1/batch', () => {
  it('stores a batch authenticated by HTTP Basic and rolls it up per user, event and day', async () => {
    const p = await newProject()
    const res = await post(
      '/v1/batch',
      {
        batch: [
          { type: 'identify', messageId: 'm1', userId: 'u1', traits: { email: 'u1@x.test' } },
          { type: 'group', messageId: 'm2', userId: 'u1', groupId: 'acct1', traits: { name: 'Acct One', seats: 5 } },
          track('u1', 'Report Exported'),
          track('u1', 'Report Exported'),
        ],
      },
      basic(p.writeKey),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ success: true, accepted: 4, duplicates: 0, rejected: [] })
    const rollup = await env.DB.prepare("SELECT n, account_id FROM user_event_days WHERE project_id = ?1 AND name = 'Report Exported'")
      .bind(p.id)
      .first()
    expect(rollup).toEqual({ n: 2, account_id: 'acct1' })
    const account = await env.DB.prepare('SELECT name, traits_json FROM accounts WHERE project_id = ?1 AND id = ?2')
      .bind(p.id, 'acct1')
      .first<{ name: string; traits_json: string }>()
    expect(account?.name).toBe('Acct One')
    expect(JSON.parse(account!.traits_json)).toEqual({ name: 'Acct One', seats: 5 })
  })

  it('accepts the write key in a text/plain body, as the widget sends it to avoid a CORS preflight', async () => {
    const p = await newProject()
    const res = await post('/v1/batch', JSON.stringify({ writeKey: p.writeKey, batch: [track('u1', 'Clicked')] }), {
      'content-type': 'text/plain',
    })
    expect(res.status).toBe(200)
    expect((await res.json<{ accepted: number }>()).accepted).toBe(1)
  })

  it('stores a duplicate messageId once and leaves the rollup unchanged', async () => {
    const p = await newProject()
    const event = track('u1', 'Invoice Created', { messageId: 'dup-1' })
    await post('/v1/batch', { writeKey: p.writeKey, batch: [event] })
    const again = await post('/v1/batch', { writeKey: p.writeKey, batch: [event, event] })
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 2 })
    const n = await env.DB.prepare('SELECT SUM(n) AS n FROM user_event_days WHERE project_id = ?1').bind(p.id).first('n')
    expect(n).toBe(1)
  })

  it('stores the good events of a batch and says which were rejected and why', async () => {
    const p = await newProject()
    const res = await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [
        track('u1', 'Good'),
        { type: 'track', messageId: 'bad-1', userId: 'u1' },
        { type: 'track', event: 'No one' },
        { type: 'nope' },
      ],
    })
    expect(res.status).toBe(200)
    const body = await res.json<{ accepted: number; rejected: { index: number; messageId?: string; errors: string[] }[] }>()
    expect(body.accepted).toBe(1)
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 3])
    expect(body.rejected[0]).toMatchObject({ messageId: 'bad-1' })
    expect(body.rejected[0].errors.join()).toMatch(/event/)
    expect(body.rejected[1].errors.join()).toMatch(/userId or anonymousId/)
  })

  it.each([
    ['a wrong key', { writeKey: 'wk_nope', batch: [track('u', 'x')] }, 401, 'unauthorized'],
    ['no key at all', { batch: [track('u', 'x')] }, 401, 'unauthorized'],
    ['an empty batch', { writeKey: 'wk_x', batch: [] }, 400, 'invalid_request'],
    ['a batch that is not an array', { writeKey: 'wk_x', batch: 'x' }, 400, 'invalid_request'],
    ['malformed JSON', '{"batch": [', 400, 'malformed_json'],
    ['a JSON array body', '[]', 400, 'bad_request'],
  ])('answers %s with a JSON error', async (_name, body, status, code) => {
    const res = await post('/v1/batch', body)
    expect(res.status).toBe(status)
    expect((await res.json<{ error: { code: string; message: string } }>()).error).toMatchObject({ code })
  })

  it('rejects a body over 500 KB with 413', async () => {
    const p = await newProject()
    const big = { writeKey: p.writeKey, batch: [track('u1', 'x', { properties: { blob: 'x'.repeat(600_000) } })] }
    const res = await post('/v1/batch', big)
    expect(res.status).toBe(413)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('payload_too_large')
  })

  it('rejects a secret key on the ingest endpoint', async () => {
    const p = await newProject()
    const res = await post('/v1/batch', { writeKey: p.adminKey, batch: [track('u', 'x')] })
    expect(res.status).toBe(401)
  })

  it('rejects an event over 32 KB but keeps the rest of the batch', async () => {
    const p = await newProject()
    const res = await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [track('u1', 'big', { properties: { blob: 'x'.repeat(40_000) } }), track('u1', 'small')],
    })
    const body = await res.json<{ accepted: number; rejected: { index: number }[] }>()
    expect(body.accepted).toBe(1)
    expect(body.rejected[0].index).toBe(0)
  })
})

describe('single-event endpoints', () => {
  it.each(['track', 'identify', 'page', 'group'])('POST /v1/%s stores one event', async (type) => {
    const p = await newProject()
    const event = { userId: 'u1', messageId: `single-${type}`, event: 'Thing Done', groupId: 'g1', name: 'Home' }
    const res = await post(`/v1/${type}`, event, basic(p.writeKey))
    expect(res.status).toBe(200)
    expect((await archivedEvent(p.id, `single-${type}`))?.type).toBe(type)
  })
})

describe('event time', () => {
  it('corrects a skewed client clock using sentAt, as the Segment spec does', async () => {
    const p = await newProject()
    const now = Date.now()
    const skew = 3_600_000 // client clock one hour fast
    const event = track('u1', 'Skewed', { messageId: 'skew-1', timestamp: new Date(now + skew - 5000).toISOString() })
    await post('/v1/batch', { writeKey: p.writeKey, sentAt: new Date(now + skew).toISOString(), batch: [event] })
    // the archived line carries the corrected event time
    const ts = (await archivedEvent(p.id, 'skew-1'))!.ts
    expect(Math.abs(ts - (now - 5000))).toBeLessThan(3000)
  })
})
