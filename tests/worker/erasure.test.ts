import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { eraseAccount, eraseUser } from '../../worker/src/accounts/erasure-store'
import { api, newProject, post, track, type TestProject } from './fixtures'

const TABLES_BY_USER = ['events', 'user_days', 'user_event_days', 'user_feature_days', 'nudge_states', 'user_scores']

async function rowsOf(projectId: string, column: 'user_id' | 'account_id', id: string) {
  const out: Record<string, number> = {}
  for (const t of [...TABLES_BY_USER, 'account_scores', 'account_score_snapshots', 'account_alerts', 'account_notes', 'account_outcomes']) {
    if (column === 'user_id' && t.startsWith('account_')) continue
    out[t] =
      (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE project_id = ?1 AND ${column} = ?2`)
        .bind(projectId, id)
        .first<number>('n')) ?? 0
  }
  return out
}

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<number>('n')) ?? 0

const inAccount = (user: string, account: string, event: string) => track(user, event, { context: { groupId: account } })

/** Two accounts, a user who moved from acme to globex, anonymous page views before sign-in, scores, nudge states, outcomes and alerts. */
async function customerBase(): Promise<TestProject> {
  const p = await newProject('erasure')
  expect(
    (
      await api('/features/report.export', p.adminKey, {
        method: 'PUT',
        body: JSON.stringify({ name: 'Export', rules: [{ match: 'event', event: 'Report Exported' }] }),
      })
    ).status,
  ).toBe(201)
  const first = [
    { type: 'page', anonymousId: 'anon-1', name: 'Pricing' },
    { type: 'page', anonymousId: 'anon-1', name: 'Home' },
    { type: 'identify', userId: 'u1', anonymousId: 'anon-1', traits: { email: 'ada@acme.test' } },
    { type: 'group', userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } },
    { type: 'group', userId: 'u2', groupId: 'acme', traits: { name: 'Acme' } },
    { type: 'group', userId: 'u3', groupId: 'globex', traits: { name: 'Globex' } },
    { type: 'group', userId: 'u4', groupId: 'acme' },
    { type: 'page', anonymousId: 'anon-9', name: 'Home', context: { groupId: 'acme' } },
    inAccount('u1', 'acme', 'Report Exported'),
    inAccount('u1', 'acme', 'Invoice Sent'),
    inAccount('u2', 'acme', 'Report Exported'),
    inAccount('u3', 'globex', 'Report Exported'),
    inAccount('u4', 'acme', 'Report Exported'),
  ]
  expect((await post('/v1/batch', { writeKey: p.writeKey, batch: first })).status).toBe(200)
  const moved = [{ type: 'group', userId: 'u4', groupId: 'globex' }, inAccount('u4', 'globex', 'Report Exported')]
  expect((await post('/v1/batch', { writeKey: p.writeKey, batch: moved })).status).toBe(200)
  expect((await api('/scoring/run', p.adminKey, { method: 'POST', body: '{}' })).status).toBe(200)
  const now = Date.now()
  for (const [user, account] of [
    ['u1', 'acme'],
    ['u2', 'acme'],
    ['u3', 'globex'],
  ]) {
    await env.DB.prepare(
      "INSERT INTO nudge_states (project_id, user_id, nudge_key, account_id, exposure, shows, first_exposed_at) VALUES (?1, ?2, 'tip', ?3, 'shown', 1, ?4)",
    )
      .bind(p.id, user, account, now)
      .run()
  }
  for (const account of ['acme', 'globex']) {
    await env.DB.prepare(
      "INSERT INTO account_alerts (project_id, account_id, kind, alert_key, reason, payload_json, created_at) VALUES (?1, ?2, 'score_drop', ?2, 'dropped', '{}', ?3)",
    )
      .bind(p.id, account, now)
      .run()
    // a CS note names people at the account: it goes with the account
    const note = await api(`/accounts/${account}/notes`, p.adminKey, {
      method: 'POST',
      body: JSON.stringify({ body: 'Spoke with their CFO.' }),
    })
    expect(note.status).toBe(201)
    expect(
      (
        await api(`/accounts/${account}/outcomes`, p.adminKey, {
          method: 'POST',
          body: JSON.stringify({ kind: 'renewed', date: '2026-01-15' }),
        })
      ).status,
    ).toBe(201)
  }
  return p
}

describe('DELETE /api/v1/users/:id', () => {
  it("removes the user's raw events (and anonymous ones before sign-in), rollups, nudge states, score and traits", async () => {
    const p = await customerBase()
    const before = await rowsOf(p.id, 'user_id', 'u1')
    for (const t of TABLES_BY_USER) expect(before[t], t).toBeGreaterThan(0)
    const res = await api('/users/u1', p.adminKey, { method: 'DELETE' })
    expect(res.status).toBe(200)
    const body = await res.json<{ status: string; deleted: Record<string, number> }>()
    expect(body.status).toBe('done')
    expect(body.deleted).toMatchObject({ users: 1, user_scores: 1, nudge_states: 1, events: before.events + 2 })
    expect(Object.values(await rowsOf(p.id, 'user_id', 'u1')).every((n) => n === 0)).toBe(true)
    expect(await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND anonymous_id = 'anon-1'", p.id)).toBe(0)
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE project_id = ?1 AND id = 'u1'", p.id)).toBe(0)
    // nobody else's data moved
    const u2 = await rowsOf(p.id, 'user_id', 'u2')
    expect(u2.events).toBeGreaterThan(0)
    expect(u2.nudge_states).toBe(1)
    expect(await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND anonymous_id = 'anon-9'", p.id)).toBe(1)
  })

  it('answers a second call (or an id never seen) with 200 and nothing deleted', async () => {
    const p = await customerBase()
    expect((await api('/users/u1', p.adminKey, { method: 'DELETE' })).status).toBe(200)
    for (const id of ['u1', 'nobody']) {
      const again = await api(`/users/${id}`, p.adminKey, { method: 'DELETE' })
      expect(again.status).toBe(200)
      const body = await again.json<{ status: string; deleted: Record<string, number> }>()
      expect(body.status).toBe('done')
      expect(Object.values(body.deleted).every((n) => n === 0)).toBe(true)
    }
  })

  it('leaves the account scored without the user at the next run', async () => {
    const p = await customerBase()
    const users = async () =>
      (await (await api('/accounts/acme', p.readKey)).json<{ users: { id: string }[] }>()).users.map((u) => u.id).sort()
    expect(await users()).toEqual(['u1', 'u2'])
    await api('/users/u1', p.adminKey, { method: 'DELETE' })
    expect(await users()).toEqual(['u2'])
    expect((await api('/scoring/run', p.adminKey, { method: 'POST', body: '{}' })).status).toBe(200)
    const scored = await env.DB.prepare("SELECT user_id FROM user_scores WHERE project_id = ?1 AND account_id = 'acme' ORDER BY user_id")
      .bind(p.id)
      .all<{ user_id: string }>()
    expect(scored.results.map((r) => r.user_id)).toEqual(['u2'])
  })

  it('works in bounded calls: each stops after its budget and a repeated call carries on to the same end', async () => {
    const p = await customerBase()
    const statuses: string[] = []
    for (let i = 0; i < 50; i++) {
      const r = await eraseUser(env.DB, p.id, 'u1', { maxStatements: 12, chunk: 1 })
      statuses.push(r.status)
      if (r.status === 'done') break
    }
    expect(statuses.length).toBeGreaterThan(2)
    expect(statuses.slice(0, -1).every((s) => s === 'in_progress')).toBe(true)
    expect(statuses.at(-1)).toBe('done')
    expect(Object.values(await rowsOf(p.id, 'user_id', 'u1')).every((n) => n === 0)).toBe(true)
    expect(await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND anonymous_id = 'anon-1'", p.id)).toBe(0)
  })

  it('erases the dedupe keys of the user when ingest keeps them in event_dedupe', async () => {
    const p = await customerBase()
    await env.DB.exec(
      'CREATE TABLE IF NOT EXISTS event_dedupe (project_id TEXT NOT NULL, message_id TEXT NOT NULL, PRIMARY KEY (project_id, message_id))',
    )
    const hasUser = /\buser_id\b/.test(
      (await env.DB.prepare("SELECT sql FROM sqlite_master WHERE name = 'event_dedupe'").first<string>('sql')) ?? '',
    )
    if (!hasUser) {
      await env.DB.prepare(
        'INSERT OR IGNORE INTO event_dedupe (project_id, message_id) SELECT project_id, message_id FROM events WHERE project_id = ?1',
      )
        .bind(p.id)
        .run()
    }
    const kept = await count(
      "SELECT COUNT(*) AS n FROM event_dedupe WHERE project_id = ?1 AND message_id IN (SELECT message_id FROM events WHERE project_id = ?1 AND user_id = 'u2')",
      p.id,
    )
    const erased = await count(
      "SELECT COUNT(*) AS n FROM event_dedupe WHERE project_id = ?1 AND message_id IN (SELECT message_id FROM events WHERE project_id = ?1 AND user_id = 'u1')",
      p.id,
    )
    expect(erased).toBeGreaterThan(0)
    const body = await (await api('/users/u1', p.adminKey, { method: 'DELETE' })).json<{ deleted: Record<string, number> }>()
    expect(body.deleted.event_dedupe).toBe(erased)
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM event_dedupe WHERE project_id = ?1 AND message_id IN (SELECT message_id FROM events WHERE project_id = ?1 AND user_id = 'u2')",
        p.id,
      ),
    ).toBe(kept)
  })

  it('needs an admin key of the same project', async () => {
    const p = await customerBase()
    const other = await newProject('erasure-other')
    expect((await api('/users/u1', p.readKey, { method: 'DELETE' })).status).toBe(403)
    const foreign = await api('/users/u1', other.adminKey, { method: 'DELETE' })
    expect(foreign.status).toBe(200)
    expect(Object.values((await foreign.json<{ deleted: Record<string, number> }>()).deleted).every((n) => n === 0)).toBe(true)
    expect((await rowsOf(p.id, 'user_id', 'u1')).events).toBeGreaterThan(0)
  })
})

describe('DELETE /api/v1/accounts/:id', () => {
  it('removes the account, its users and everything about both; other accounts keep theirs', async () => {
    const p = await customerBase()
    const globexBefore = await rowsOf(p.id, 'account_id', 'globex')
    const res = await api('/accounts/acme', p.adminKey, { method: 'DELETE' })
    expect(res.status).toBe(200)
    const body = await res.json<{ status: string; deleted: Record<string, number> }>()
    expect(body).toMatchObject({
      status: 'done',
      deleted: { accounts: 1, users: 2, account_outcomes: 1, account_alerts: 1, account_notes: 1, account_scores: 1 },
    })
    expect(await rowsOf(p.id, 'account_id', 'acme')).toEqual(
      Object.fromEntries(Object.keys(await rowsOf(p.id, 'account_id', 'acme')).map((t) => [t, 0])),
    )
    for (const u of ['u1', 'u2']) expect(Object.values(await rowsOf(p.id, 'user_id', u)).every((n) => n === 0)).toBe(true)
    expect(await count("SELECT COUNT(*) AS n FROM accounts WHERE project_id = ?1 AND id = 'acme'", p.id)).toBe(0)
    expect((await api('/accounts/acme', p.readKey)).status).toBe(404)
    // u4 moved to globex: what it did in acme is gone, the rest of u4 stays
    expect(await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND user_id = 'u4' AND account_id = 'acme'", p.id)).toBe(0)
    expect(
      await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND user_id = 'u4' AND account_id = 'globex'", p.id),
    ).toBeGreaterThan(0)
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE project_id = ?1 AND id = 'u4'", p.id)).toBe(1)
    // and u4's rollups were recomputed from what is left of it
    const u4Raw = await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND user_id = 'u4'", p.id)
    expect(await count("SELECT SUM(events) AS n FROM user_days WHERE project_id = ?1 AND user_id = 'u4'", p.id)).toBe(u4Raw)
    // the anonymous visitor's event inside acme is gone too
    expect(await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND anonymous_id = 'anon-9'", p.id)).toBe(0)
    const globexAfter = await rowsOf(p.id, 'account_id', 'globex')
    expect(globexAfter).toEqual(globexBefore)
  })

  it('ends in the same state when done in many small calls', async () => {
    const p = await customerBase()
    let calls = 0
    for (let r = await eraseAccount(env.DB, p.id, 'acme', { maxStatements: 12, chunk: 1 }); r.status !== 'done'; calls++) {
      r = await eraseAccount(env.DB, p.id, 'acme', { maxStatements: 12, chunk: 1 })
      expect(calls).toBeLessThan(100)
    }
    expect(calls).toBeGreaterThan(2)
    expect(Object.values(await rowsOf(p.id, 'account_id', 'acme')).every((n) => n === 0)).toBe(true)
    for (const u of ['u1', 'u2']) expect(Object.values(await rowsOf(p.id, 'user_id', u)).every((n) => n === 0)).toBe(true)
    expect(await count("SELECT COUNT(*) AS n FROM accounts WHERE project_id = ?1 AND id = 'acme'", p.id)).toBe(0)
  })

  it('is idempotent: a second call answers 200 with nothing deleted', async () => {
    const p = await customerBase()
    expect((await api('/accounts/acme', p.adminKey, { method: 'DELETE' })).status).toBe(200)
    const again = await api('/accounts/acme', p.adminKey, { method: 'DELETE' })
    expect(again.status).toBe(200)
    expect(Object.values((await again.json<{ deleted: Record<string, number> }>()).deleted).every((n) => n === 0)).toBe(true)
  })
})
