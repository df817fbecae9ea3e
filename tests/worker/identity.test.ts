import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { api, archivedEvents, newProject, post, track, type TestProject } from './fixtures'

let p: TestProject
const banner = (extra: Record<string, unknown> = {}) => ({
  kind: 'banner',
  title: { default: 'Try exports' },
  body: { default: 'b' },
  holdout: { share: 0 },
  ...extra,
})
const ask = (userId: string, userHash?: string) =>
  SELF.fetch(
    `http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=${encodeURIComponent(userId)}${userHash === undefined ? '' : `&userHash=${userHash}`}`,
  )
const keys = async (userId: string, userHash?: string) => {
  const res = await ask(userId, userHash)
  expect(res.status).toBe(200)
  return (await res.json<{ nudges: { key: string }[] }>()).nudges.map((n) => n.key)
}
const seen = async (writeKey: string, ...userIds: string[]) => {
  const batch = userIds.map((userId) => ({
    type: 'identify',
    messageId: crypto.randomUUID(),
    userId,
    traits: { name: userId, plan: 'trial' },
  }))
  expect((await post('/v1/batch', { writeKey, batch })).status).toBe(200)
}

/** What the vendor's backend computes: hex(HMAC-SHA256(secret, userId)). */
async function sign(secret: string, userId: string) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return [...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(userId)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
}

const states = (projectId: string) =>
  env.DB.prepare('SELECT COUNT(*) AS n FROM nudge_states WHERE project_id = ?1').bind(projectId).first<number>('n')

beforeAll(async () => {
  p = await newProject('identity')
  expect(
    (await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 } }) }))
      .status,
  ).toBe(200)
  expect((await api('/nudges/tip', p.adminKey, { method: 'PUT', body: JSON.stringify(banner()) })).status).toBe(201)
})

describe('a user the caller cannot prove', () => {
  it('gets the answer of a user with no nudges, and 200 invented ids create no holdout or state rows', async () => {
    const q = await newProject('invented')
    await api('/settings', q.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 } }) })
    const held = banner({ holdout: { share: 0.5, unit: 'user' } })
    expect((await api('/nudges/held', q.adminKey, { method: 'PUT', body: JSON.stringify(held) })).status).toBe(201)
    expect((await api('/nudges/open', q.adminKey, { method: 'PUT', body: JSON.stringify(banner()) })).status).toBe(201)
    // a known user with nothing due: dismissed both nudges
    const dismissed = ['open', 'held'].flatMap((nudge) => [
      track('known', '$nudge_shown', { properties: { nudge } }),
      track('known', '$nudge_dismissed', { properties: { nudge } }),
    ])
    await post('/v1/batch', {
      writeKey: q.writeKey,
      batch: [{ type: 'identify', messageId: crypto.randomUUID(), userId: 'known' }, ...dismissed],
    })
    const known = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${q.writeKey}&userId=known`)
    const knownBody = await known.text()
    const before = await states(q.id)
    for (let i = 0; i < 200; i++) {
      const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${q.writeKey}&userId=invented-${i}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(knownBody)
    }
    expect(JSON.parse(knownBody)).toMatchObject({ nudges: [] })
    expect(await states(q.id)).toBe(before)
    expect(
      await env.DB.prepare("SELECT COUNT(*) AS n FROM nudge_states WHERE project_id = ?1 AND exposure = 'holdout'").bind(q.id).first('n'),
    ).toBe(0)
  }, 60_000)
})

describe('identity verification', () => {
  let secret = ''

  it('is refused on until a secret exists; the secret is created by an admin and shown once', async () => {
    const on = await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 }, identity: { verification: 'required' } }),
    })
    expect(on.status).toBe(409)
    expect(await on.json()).toMatchObject({ error: { code: 'identity_secret_missing' } })
    expect((await api('/identity/secret', p.readKey, { method: 'POST' })).status).toBe(403)
    const created = await api('/identity/secret', p.adminKey, { method: 'POST' })
    expect(created.status).toBe(201)
    secret = (await created.json<{ secret: string }>()).secret
    expect(secret).toMatch(/^[0-9a-f]{64}$/)
    const status = await (await api('/identity', p.readKey)).json<Record<string, unknown>>()
    expect(status).toMatchObject({ verification: 'off', secret: { rotated_at: expect.any(String), previous_valid_until: null } })
    expect(JSON.stringify(status)).not.toContain(secret)
    const required = await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 }, identity: { verification: 'required' } }),
    })
    expect(required.status).toBe(200)
  })

  it('answers nothing without a valid user hash, and the nudge with the right one', async () => {
    await seen(p.writeKey, 'ada', 'bob')
    expect(await keys('ada')).toEqual([])
    expect(await keys('ada', 'f'.repeat(64))).toEqual([])
    expect(await keys('ada', 'not-hex')).toEqual([])
    expect(await keys('ada', await sign(secret, 'bob'))).toEqual([])
    expect(await keys('ada', await sign(secret, 'ada'))).toEqual(['tip'])
    expect(await keys('ada', (await sign(secret, 'ada')).toUpperCase())).toEqual(['tip'])
  })

  it('refuses nudge interactions without a valid user hash, applies those with one, and never stores the hash', async () => {
    await seen(p.writeKey, 'cy')
    const hash = await sign(secret, 'cy')
    const dismiss = (userHash?: string) => [
      track('cy', '$nudge_shown', { properties: { nudge: 'tip', userHash } }),
      track('cy', '$nudge_dismissed', { properties: { nudge: 'tip', userHash } }),
    ]
    const forged = await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [...dismiss(), ...dismiss(await sign(secret, 'someone-else')), track('cy', 'Report Exported')],
    })
    expect(forged.status).toBe(200)
    const body = await forged.json<{ accepted: number; rejected: { index: number; errors: string[] }[] }>()
    expect(body.accepted).toBe(1)
    expect(body.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3])
    expect(body.rejected[0].errors[0]).toMatch(/userHash/)
    expect(await keys('cy', hash)).toEqual(['tip'])
    expect((await post('/v1/batch', { writeKey: p.writeKey, batch: dismiss(hash) })).status).toBe(200)
    expect(await keys('cy', hash)).toEqual([])
    const stored = await env.DB.prepare(
      "SELECT properties_json FROM events WHERE project_id = ?1 AND user_id = 'cy' AND name LIKE '$nudge_%'",
    )
      .bind(p.id)
      .all<{ properties_json: string }>()
    expect(stored.results).toHaveLength(2)
    expect(stored.results.map((r) => r.properties_json).join()).not.toContain(hash)
    // nor does the raw archive
    const archived = (await archivedEvents(p.id)).filter((e) => e.user_id === 'cy' && e.name?.startsWith('$nudge_'))
    expect(archived).toHaveLength(2)
    expect(JSON.stringify(archived)).not.toContain(hash)
  })

  it('keeps the previous secret valid for a day after a rotation, not two rotations back', async () => {
    const first = secret
    const rotated = await (await api('/identity/secret', p.adminKey, { method: 'POST' })).json<{ secret: string }>()
    expect(rotated.secret).not.toBe(first)
    expect(await keys('bob', await sign(rotated.secret, 'bob'))).toEqual(['tip'])
    expect(await keys('bob', await sign(first, 'bob'))).toEqual(['tip'])
    const again = await (await api('/identity/secret', p.adminKey, { method: 'POST' })).json<{ secret: string }>()
    expect(await keys('bob', await sign(first, 'bob'))).toEqual([])
    expect(await keys('bob', await sign(again.secret, 'bob'))).toEqual(['tip'])
    secret = again.secret
  })
})
