import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api, newProject, post, type TestProject } from './fixtures'

async function withAccount(name = 'outcomes', accountId = 'acme'): Promise<TestProject> {
  const p = await newProject(name)
  const res = await post('/v1/batch', {
    writeKey: p.writeKey,
    batch: [{ type: 'group', userId: 'u1', groupId: accountId, traits: { name: 'Acme' } }],
  })
  expect(res.status).toBe(200)
  return p
}

const postOutcome = (p: TestProject, body: unknown, account = 'acme') =>
  api(`/accounts/${account}/outcomes`, p.adminKey, { method: 'POST', body: JSON.stringify(body) })

const today = () => new Date().toISOString().slice(0, 10)

describe('account attributes', () => {
  it('answers 404 for PATCH of an unknown account and creates nothing', async () => {
    const p = await withAccount('patch')
    const res = await api('/accounts/acmee', p.adminKey, { method: 'PATCH', body: JSON.stringify({ arr: 1000 }) })
    expect(res.status).toBe(404)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('not_found')
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM accounts WHERE project_id = ?1').bind(p.id).first('n')).toBe(1)
    expect((await api('/accounts/acme', p.adminKey, { method: 'PATCH', body: JSON.stringify({ arr: 1000 }) })).status).toBe(200)
  })
})

describe('renewal outcomes', () => {
  it('stores an outcome once: the same POST again answers 200 with the stored row', async () => {
    const p = await withAccount()
    const body = { kind: 'renewed', date: '2026-01-15', amount: 1000 }
    const first = await postOutcome(p, body)
    expect(first.status).toBe(201)
    const created = await first.json<{ outcome: { id: number }; created: boolean }>()
    expect(created.created).toBe(true)
    const again = await postOutcome(p, body)
    expect(again.status).toBe(200)
    const repeated = await again.json<{ outcome: { id: number }; created: boolean }>()
    expect(repeated).toMatchObject({
      created: false,
      outcome: { id: created.outcome.id, kind: 'renewed', date: '2026-01-15', amount: 1000 },
    })
    const list = await (await api('/accounts/acme/outcomes', p.readKey)).json<{ outcomes: unknown[] }>()
    expect(list.outcomes).toHaveLength(1)
  })

  it('refuses the same outcome with another amount (409) until the stored one is deleted', async () => {
    const p = await withAccount()
    const first = await (await postOutcome(p, { kind: 'churned', date: '2026-02-01', amount: 500 })).json<{ outcome: { id: number } }>()
    const conflict = await postOutcome(p, { kind: 'churned', date: '2026-02-01', amount: 700 })
    expect(conflict.status).toBe(409)
    expect((await conflict.json<{ error: { code: string; details: { existing: { id: number } } } }>()).error).toMatchObject({
      code: 'outcome_conflict',
      details: { existing: { id: first.outcome.id } },
    })
    expect((await api(`/accounts/acme/outcomes/${first.outcome.id}`, p.adminKey, { method: 'DELETE' })).status).toBe(204)
    expect((await api(`/accounts/acme/outcomes/${first.outcome.id}`, p.adminKey, { method: 'DELETE' })).status).toBe(404)
    expect((await postOutcome(p, { kind: 'churned', date: '2026-02-01', amount: 700 })).status).toBe(201)
  })

  it.each([
    ['a date in 2030', '2030-01-15', /future/],
    ['a date before 2000', '1999-12-31', /2000-01-01/],
    ['a day that does not exist', '2026-02-30', /date/i],
    ['a date-time', '2026-01-15T00:00:00Z', /date/i],
  ])('refuses %s with a 400', async (_, date, message) => {
    const p = await withAccount()
    const res = await postOutcome(p, { kind: 'renewed', date })
    expect(res.status).toBe(400)
    expect(JSON.stringify(await res.json())).toMatch(message)
  })

  it("accepts today's date", async () => {
    const p = await withAccount()
    expect((await postOutcome(p, { kind: 'renewed', date: today() })).status).toBe(201)
  })

  it('answers 404 for an outcome of an unknown account', async () => {
    const p = await withAccount()
    expect((await postOutcome(p, { kind: 'renewed', date: '2026-01-01' }, 'nope')).status).toBe(404)
  })

  it('takes the latest outcome by its date, not by when it was recorded', async () => {
    const p = await withAccount('latest')
    expect((await api('/scoring/run', p.adminKey, { method: 'POST', body: '{}' })).status).toBe(200)
    const ranked = async () => {
      const body = await (await api('/health/accounts', p.readKey)).json<{ items: { account_id: string }[] }>()
      if (!body.items) throw new Error(JSON.stringify(body))
      return body.items.map((i) => i.account_id)
    }
    expect((await postOutcome(p, { kind: 'churned', date: '2026-01-10' })).status).toBe(201)
    expect(await ranked()).toEqual([])
    // an older renewal recorded afterwards does not bring a churned account back
    expect((await postOutcome(p, { kind: 'renewed', date: '2025-01-10' })).status).toBe(201)
    expect(await ranked()).toEqual([])
    expect((await postOutcome(p, { kind: 'renewed', date: today() })).status).toBe(201)
    expect(await ranked()).toEqual(['acme'])
  })
})
