import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api, basic, newProject, post, track, type TestProject } from './fixtures'

const DAY = 86_400_000
const ago = (d: number) => new Date(Date.now() - d * DAY + 3600_000).toISOString()
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString().slice(0, 10)

/** A project whose account `acme` has 3 users busy every day of the last 20 days. */
async function busyProject(name: string) {
  const p = await newProject(name)
  for (const [key, event, kind] of [
    ['f1', 'F1 Used', 'feature'],
    ['paid', 'Invoice Paid', 'value'],
  ] as const) {
    expect(
      (
        await api(`/features/${key}`, p.adminKey, {
          method: 'PUT',
          body: JSON.stringify({ name: event, kind, core: kind === 'feature', rules: [{ match: 'event', event }] }),
        })
      ).status,
    ).toBe(201)
  }
  const batch: Record<string, unknown>[] = []
  for (let u = 0; u < 3; u++) {
    batch.push({
      type: 'group',
      messageId: crypto.randomUUID(),
      userId: `u${u}`,
      groupId: 'acme',
      timestamp: ago(20),
      traits: { name: 'Acme', plan: 'team' },
    })
    for (let d = 1; d <= 20; d++) {
      for (const event of ['F1 Used', 'Invoice Paid'])
        batch.push({
          type: 'track',
          messageId: crypto.randomUUID(),
          userId: `u${u}`,
          event,
          timestamp: ago(d),
          context: { groupId: 'acme', app: { version: '1.0.0' } },
        })
    }
  }
  expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
  const config = await (await api('/scoring/config', p.adminKey)).json<{ config: { segments: unknown[] } }>()
  const segments = [
    { key: 'enterprise', name: 'Enterprise', all: [{ attribute: 'arr', op: '>=', value: 100000 }] },
    ...config.config.segments,
  ]
  expect((await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify({ ...config.config, segments }) })).status).toBe(
    200,
  )
  return p
}

interface Health {
  score: number | null
  segment: string | null
  churn_reasons: string[]
  explanation: { measures: { key: string; raw: number | null; detail: string }[] }
}

async function scored(p: TestProject): Promise<Health> {
  expect((await api('/scoring/run', p.adminKey, { method: 'POST' })).status).toBe(200)
  const res = await api('/health/accounts/acme', p.readKey)
  expect(res.status).toBe(200)
  return res.json<Health>()
}
const measure = (h: Health, key: string) => h.explanation.measures.find((m) => m.key === key)
const group = (p: TestProject, traits: Record<string, unknown>, headers: Record<string, string> = {}) =>
  post(
    '/v1/batch',
    { writeKey: p.writeKey, batch: [{ type: 'group', messageId: crypto.randomUUID(), userId: 'u0', groupId: 'acme', traits }] },
    headers,
  )
const FORGED = { arr: 5_000_000, seats: 1000, employees: 9000, tier: 'enterprise', owner: 'mallory', renewal_date: inDays(10), nps: -100 }

describe('admin-owned account attributes', () => {
  it('ignores arr, seats, tier, owner, renewal_date and nps sent with the public write key', async () => {
    const p = await busyProject('forged')
    const before = await scored(p)
    const res = await group(p, FORGED)
    expect(res.status).toBe(200)
    const after = await scored(p)
    expect(after.score).toBe(before.score)
    expect(after.segment).toBe(before.segment)
    expect(after.churn_reasons).toEqual(before.churn_reasons)
    expect(measure(after, 'seat_activation')).toEqual(measure(before, 'seat_activation'))
    expect(measure(after, 'nps')?.raw).toBeNull()
    const account = await (
      await api('/accounts/acme', p.readKey)
    ).json<{ account: { traits: Record<string, unknown>; attributes: Record<string, unknown> } }>()
    expect(account.account.traits).toMatchObject({ arr: 5_000_000, owner: 'mallory' })
    expect(account.account.attributes).toEqual({})
  })

  it('takes them from PATCH with an admin key, and a null removes one', async () => {
    const p = await busyProject('patched')
    const before = await scored(p)
    const res = await api('/accounts/acme', p.adminKey, { method: 'PATCH', body: JSON.stringify(FORGED) })
    expect(res.status).toBe(200)
    expect((await res.json<{ attributes: Record<string, unknown> }>()).attributes).toEqual(FORGED)
    const after = await scored(p)
    expect(after.segment).toBe('enterprise')
    expect(measure(after, 'seat_activation')?.detail).toMatch(/\/1000 licensed seats/)
    expect(measure(after, 'nps')?.raw).toBe(-100)
    expect(after.score).toBeLessThan(before.score!)
    const cleared = await api('/accounts/acme', p.adminKey, { method: 'PATCH', body: JSON.stringify({ seats: null, nps: null }) })
    expect((await cleared.json<{ attributes: Record<string, unknown> }>()).attributes).not.toHaveProperty('seats')
    expect(measure(await scored(p), 'nps')?.raw).toBeNull()
    expect((await api('/accounts/acme', p.readKey, { method: 'PATCH', body: JSON.stringify({ arr: 1 }) })).status).toBe(403)
    expect((await api('/accounts/acme', p.adminKey, { method: 'PATCH', body: JSON.stringify({ arr: { toString: 1 } }) })).status).toBe(400)
  })

  it('takes them from group calls a backend sends with a secret key to /v1/import, correctly typed ones only', async () => {
    const p = await busyProject('backend')
    const backend = {
      type: 'group',
      messageId: crypto.randomUUID(),
      userId: 'u0',
      groupId: 'acme',
      traits: { arr: 250_000, seats: 12, owner: 'ann', renewal_date: inDays(200), nps: 'high', plan: 'pro' },
    }
    expect((await post('/v1/import', { batch: [backend] }, basic(p.adminKey))).status).toBe(200)
    expect(
      (await post('/v1/import', { batch: [{ ...backend, messageId: crypto.randomUUID(), traits: { employees: 40 } }] }, basic(p.adminKey)))
        .status,
    ).toBe(200)
    const account = await (await api('/accounts/acme', p.readKey)).json<{ account: { attributes: Record<string, unknown> } }>()
    expect(account.account.attributes).toEqual({ arr: 250_000, seats: 12, owner: 'ann', renewal_date: inDays(200), employees: 40 })
    const h = await scored(p)
    expect(h.segment).toBe('enterprise')
    expect(measure(h, 'seat_activation')?.detail).toMatch(/\/12 licensed seats/)
    // the read key is no backend, and the live endpoints take only the write key
    expect((await post('/v1/import', { batch: [backend] }, basic(p.readKey))).status).toBe(401)
    expect((await post('/v1/batch', { batch: [backend] }, basic(p.adminKey))).status).toBe(401)
  })

  it('lets admins choose the protected names per project', async () => {
    const p = await busyProject('allow-seats')
    const settings = { attributes: { protected: ['arr', 'tier', 'renewal_date', 'owner', 'nps'] } }
    expect((await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify(settings) })).status).toBe(200)
    await group(p, { seats: 1000, arr: 5_000_000 })
    const h = await scored(p)
    expect(measure(h, 'seat_activation')?.detail).toMatch(/\/1000 licensed seats/)
    expect(h.segment).not.toBe('enterprise')
    expect(
      (await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ attributes: { protected: ['bad name!'] } }) })).status,
    ).toBe(400)
  })

  it('keeps forged attributes out of nudge targeting', async () => {
    const p = await busyProject('nudge-attrs')
    await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 } }) })
    const nudge = {
      kind: 'banner',
      title: { default: 'VIP' },
      body: { default: 'b' },
      holdout: { share: 0 },
      targeting: { account_attributes: [{ attribute: 'arr', op: '>=', value: 100000 }] },
    }
    expect((await api('/nudges/vip', p.adminKey, { method: 'PUT', body: JSON.stringify(nudge) })).status).toBe(201)
    const due = async () =>
      (
        await (await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=u1`)).json<{ nudges: { key: string }[] }>()
      ).nudges.map((n) => n.key)
    await group(p, { arr: 5_000_000 })
    expect(await due()).toEqual([])
    await api('/accounts/acme', p.adminKey, { method: 'PATCH', body: JSON.stringify({ arr: 250_000 }) })
    expect(await due()).toEqual(['vip'])
  })

  it('aggregates in-app NPS answers on the server (latest answer per user), behind the admin value', async () => {
    const p = await busyProject('survey')
    const answer = (user: string, score: number) =>
      track(user, '$nudge_answered', { properties: { nudge: 'nps', score }, context: { groupId: 'acme' } })
    // u0 answers 0 then 10: only the latest counts, so 2 promoters and 1 passive out of 3
    expect((await post('/v1/batch', { writeKey: p.writeKey, batch: [answer('u0', 0), answer('u1', 9), answer('u2', 7)] })).status).toBe(200)
    expect(
      (
        await post('/v1/batch', {
          writeKey: p.writeKey,
          batch: [{ ...answer('u0', 10), timestamp: new Date(Date.now() + 1000).toISOString() }],
        })
      ).status,
    ).toBe(200)
    const attrs = await env.DB.prepare('SELECT attributes_json FROM accounts WHERE project_id = ?1 AND id = ?2')
      .bind(p.id, 'acme')
      .first<string>('attributes_json')
    expect(JSON.parse(attrs!)).toEqual({ nps_survey: 67 })
    expect(measure(await scored(p), 'nps')?.raw).toBe(67)
    await api('/accounts/acme', p.adminKey, { method: 'PATCH', body: JSON.stringify({ nps: 10 }) })
    expect(measure(await scored(p), 'nps')?.raw).toBe(10)
    // a forged client trait of the same name is not the survey
    await group(p, { nps_survey: -100 })
    expect(measure(await scored(p), 'nps')?.raw).toBe(10)
  })
})
