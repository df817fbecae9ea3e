import { describe, expect, it } from 'vitest'
import { api, newProject, post, track } from './fixtures'

async function seedAccount(writeKey: string, accountId: string, users: string[], events: [string, string][]) {
  const batch = [
    ...users.flatMap((u) => [
      { type: 'identify', messageId: crypto.randomUUID(), userId: u, traits: { email: `${u}@x.test` } },
      {
        type: 'group',
        messageId: crypto.randomUUID(),
        userId: u,
        groupId: accountId,
        traits: { name: accountId.toUpperCase(), seats: 10 },
      },
    ]),
    ...events.map(([u, e]) => track(u, e)),
  ]
  const res = await post('/v1/batch', { writeKey, batch })
  expect(res.status).toBe(200)
}

describe('GET /api/v1/accounts', () => {
  it('lists accounts with users, active users and events of the last 30 days', async () => {
    const p = await newProject()
    await seedAccount(
      p.writeKey,
      'acme',
      ['a1', 'a2', 'a3'],
      [
        ['a1', 'Invoice Created'],
        ['a2', 'Invoice Created'],
        ['a1', 'Report Exported'],
      ],
    )
    const res = await api('/accounts', p.readKey)
    expect(res.status).toBe(200)
    const body = await res.json<{ accounts: { id: string; users: number; active_users: number; events_30d: number }[] }>()
    expect(body.accounts).toHaveLength(1)
    // 3 identify + 3 group + 3 track events, all from the three users
    expect(body.accounts[0]).toMatchObject({ id: 'acme', name: 'ACME', users: 3, active_users: 3, events_30d: 9 })
  })

  it('pages through accounts with limit and after', async () => {
    const p = await newProject()
    for (const id of ['a', 'b', 'c']) await seedAccount(p.writeKey, id, [`${id}-u`], [])
    const first = await (await api('/accounts?limit=2', p.readKey)).json<{ accounts: { id: string }[]; next: string }>()
    expect(first.accounts.map((a) => a.id)).toEqual(['a', 'b'])
    const second = await (await api(`/accounts?limit=2&after=${first.next}`, p.readKey)).json<{ accounts: { id: string }[]; next: null }>()
    expect(second.accounts.map((a) => a.id)).toEqual(['c'])
    expect(second.next).toBeNull()
  })

  it('rejects a bad limit with a 400 JSON error', async () => {
    const p = await newProject()
    const res = await api('/accounts?limit=0', p.readKey)
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('invalid_request')
  })
})

describe('GET /api/v1/accounts/:accountId', () => {
  it('shows the account, its users and per-event counts', async () => {
    const p = await newProject()
    await seedAccount(
      p.writeKey,
      'globex',
      ['g1', 'g2'],
      [
        ['g1', 'Invoice Created'],
        ['g1', 'Invoice Created'],
        ['g2', 'Invoice Created'],
        ['g2', 'Customer Added'],
      ],
    )
    const res = await api('/accounts/globex', p.adminKey)
    expect(res.status).toBe(200)
    const body = await res.json<{
      account: { traits: unknown }
      users: { id: string }[]
      events: { name: string; events_30d: number; users_30d: number }[]
    }>()
    expect(body.account.traits).toEqual({ name: 'GLOBEX', seats: 10 })
    expect(body.users.map((u) => u.id).sort()).toEqual(['g1', 'g2'])
    expect(body.events.find((e) => e.name === 'Invoice Created')).toMatchObject({ events_30d: 3, users_30d: 2 })
    expect(body.events.find((e) => e.name === 'Customer Added')).toMatchObject({ events_30d: 1, users_30d: 1 })
  })

  it('lists every registered feature with the account’s use of it, zero when never used', async () => {
    const p = await newProject()
    for (const [key, event] of [
      ['invoice.create', 'Invoice Created'],
      ['report.export', 'Report Exported'],
    ]) {
      expect(
        (
          await api(`/features/${key}`, p.adminKey, {
            method: 'PUT',
            body: JSON.stringify({ name: key, core: key === 'invoice.create', rules: [{ match: 'event', event }] }),
          })
        ).status,
      ).toBe(201)
    }
    await seedAccount(
      p.writeKey,
      'initech',
      ['i1', 'i2'],
      [
        ['i1', 'Invoice Created'],
        ['i2', 'Invoice Created'],
      ],
    )
    const { features } = await (await api('/accounts/initech', p.readKey)).json<{ features: Record<string, unknown>[] }>()
    expect(features).toEqual([
      expect.objectContaining({ key: 'invoice.create', kind: 'feature', core: true, uses_30d: 2, users_30d: 2, uses_total: 2 }),
      expect.objectContaining({
        key: 'report.export',
        core: false,
        uses_30d: 0,
        users_30d: 0,
        uses_total: 0,
        first_day: null,
        last_day: null,
      }),
    ])
  })

  it('answers 404 for an unknown account', async () => {
    const p = await newProject()
    const res = await api('/accounts/nope', p.readKey)
    expect(res.status).toBe(404)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('not_found')
  })
})

describe('PATCH /api/v1/accounts/:id', () => {
  it('answers 404 for an account ingest has not seen, and creates none', async () => {
    const p = await newProject()
    const res = await api('/accounts/typo-co', p.adminKey, { method: 'PATCH', body: JSON.stringify({ arr: 1000 }) })
    expect(res.status).toBe(404)
    expect((await (await api('/accounts', p.readKey)).json<{ accounts: unknown[] }>()).accounts).toEqual([])
  })
})

describe('erasure ids', () => {
  it('refuses an id longer than any ingest takes with a 400, deleting nothing', async () => {
    const p = await newProject()
    for (const path of [`/users/${'u'.repeat(201)}`, `/accounts/${'a'.repeat(201)}`]) {
      const res = await api(path, p.adminKey, { method: 'DELETE' })
      expect(res.status).toBe(400)
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('invalid_request')
    }
  })
})

describe('CS API keys', () => {
  it('shows nothing of another project', async () => {
    const mine = await newProject()
    const theirs = await newProject()
    await seedAccount(theirs.writeKey, 'secret-co', ['s1'], [['s1', 'Thing']])
    expect((await (await api('/accounts', mine.readKey)).json<{ accounts: unknown[] }>()).accounts).toEqual([])
    expect((await api('/accounts/secret-co', mine.readKey)).status).toBe(404)
  })

  it.each([
    ['no key', undefined, 401],
    ['an unknown key', 'sk_unknown', 401],
    ['the public write key', 'WRITE', 401],
  ])('refuses %s', async (_n, key, status) => {
    const p = await newProject()
    const res = await api('/accounts', key === 'WRITE' ? p.writeKey : (key ?? ''))
    expect(res.status).toBe(status)
  })

  it('lets a read-only key read but not write', async () => {
    const p = await newProject()
    const body = JSON.stringify({ name: 'Export', kind: 'feature', rules: [{ match: 'event', event: 'Report Exported' }] })
    const denied = await api('/features/report.export', p.readKey, { method: 'PUT', body })
    expect(denied.status).toBe(403)
    const allowed = await api('/features/report.export', p.adminKey, { method: 'PUT', body })
    expect(allowed.status).toBe(201)
    expect((await api('/features', p.readKey)).status).toBe(200)
  })
})
