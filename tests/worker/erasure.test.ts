import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { eraseAccount, eraseUser } from '../../worker/src/accounts/erasure-store'
import { api, archivedEvents, newProject, post, track, type TestProject } from './fixtures'

const DAY = 86_400_000
/** D1 tables holding rows per user (`events`: the hot system events D1 keeps); `archived`: lines in the R2 archive. */
const TABLES_BY_USER = ['events', 'user_days', 'user_event_days', 'user_feature_days', 'nudge_states', 'user_scores']

async function rowsOf(projectId: string, column: 'user_id' | 'account_id', id: string) {
  const out: Record<string, number> = {}
  out.archived = (await archivedEvents(projectId)).filter((e) => e[column] === id).length
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

const archivedWhere = async (p: TestProject, keep: (e: Awaited<ReturnType<typeof archivedEvents>>[number]) => boolean) =>
  (await archivedEvents(p.id)).filter(keep).length

/** Dedupe keys (event_ids) of the archived events matching `keep`. */
async function dedupeKeysOf(p: TestProject, keep: (e: Awaited<ReturnType<typeof archivedEvents>>[number]) => boolean) {
  const ids = (await archivedEvents(p.id)).filter(keep).map((e) => e.message_id)
  return count(
    'SELECT COUNT(*) AS n FROM event_ids WHERE project_id = ?1 AND message_id IN (SELECT value FROM json_each(?2))',
    p.id,
    JSON.stringify(ids),
  )
}

/** Every archive line of the project as stored (no dedupe), and what erasure keeps while it runs. */
async function rawArchive(p: TestProject) {
  const listed = await env.RAW_EVENTS.list({ prefix: `raw/${p.id}/` })
  const texts = await Promise.all(
    listed.objects.map(async (o) =>
      new Response((await env.RAW_EVENTS.get(o.key))!.body.pipeThrough(new DecompressionStream('gzip'))).text(),
    ),
  )
  return { text: texts.join(''), objects: listed.objects.length }
}
const progressObjects = async (p: TestProject) => (await env.RAW_EVENTS.list({ prefix: `erasure/${p.id}/` })).objects.length

const inAccount = (user: string, account: string, event: string) => track(user, event, { context: { groupId: account } })

/** A hot system event as D1 keeps it (widget errors, nudge interactions live there for 90 days). */
const hotEvent = (p: TestProject, user: string | null, anonymousId: string | null, account: string | null) =>
  env.DB.prepare(
    `INSERT INTO events (project_id, message_id, type, kind, name, user_id, anonymous_id, account_id, ts, received_at)
     VALUES (?1, ?2, 'track', 'system', '$widget_error', ?3, ?4, ?5, ?6, ?6)`,
  )
    .bind(p.id, crypto.randomUUID(), user, anonymousId, account, Date.now())
    .run()

/**
 * Two accounts, a user who moved from acme to globex, anonymous page views before sign-in (two days earlier too, so in
 * an archive object before the one that links them to u1), hot system events, scores, nudge states, outcomes and alerts.
 */
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
  const earlier = new Date(Date.now() - 2 * DAY).toISOString()
  const before = [{ type: 'page', anonymousId: 'anon-1', name: 'Features', timestamp: earlier }]
  expect((await post('/v1/batch', { writeKey: p.writeKey, batch: before })).status).toBe(200)
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
  await hotEvent(p, 'u1', 'anon-1', 'acme')
  await hotEvent(p, null, 'anon-1', null)
  await hotEvent(p, 'u2', null, 'acme')
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

// each test seeds a customer base through ingest, a scoring run and the API, and reads the archive back: seconds on a busy machine
describe('DELETE /api/v1/users/:id', { timeout: 30_000 }, () => {
  it("removes the user's archived and hot events (and anonymous ones before sign-in), dedupe keys, rollups, nudge states, score and traits", async () => {
    const p = await customerBase()
    const before = await rowsOf(p.id, 'user_id', 'u1')
    for (const t of ['archived', ...TABLES_BY_USER]) expect(before[t], t).toBeGreaterThan(0)
    const anonymous = await archivedWhere(p, (e) => e.user_id === null && e.anonymous_id === 'anon-1')
    expect(anonymous).toBe(3)
    expect((await rawArchive(p)).text).toContain('ada@acme.test')
    const res = await api('/users/u1', p.adminKey, { method: 'DELETE' })
    expect(res.status).toBe(200)
    const body = await res.json<{ status: string; deleted: Record<string, number> }>()
    expect(body.status).toBe('done')
    expect(body.deleted).toMatchObject({
      users: 1,
      user_scores: 1,
      nudge_states: 1,
      archived_events: before.archived + anonymous,
      event_ids: before.archived + anonymous,
      events: before.events + 1,
    })
    expect(Object.values(await rowsOf(p.id, 'user_id', 'u1')).every((n) => n === 0)).toBe(true)
    // the archive holds no line of the user or of its anonymous id, not even in an object the sweep passed first
    expect(await archivedWhere(p, (e) => e.anonymous_id === 'anon-1' || e.user_id === 'u1')).toBe(0)
    const raw = await rawArchive(p)
    expect(raw.text).not.toContain('ada@acme.test')
    expect(raw.text).not.toContain('anon-1')
    expect(raw.text).not.toContain('"u1"')
    expect(await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND anonymous_id = 'anon-1'", p.id)).toBe(0)
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE project_id = ?1 AND id = 'u1'", p.id)).toBe(0)
    expect(await count("SELECT COUNT(*) AS n FROM user_contexts WHERE project_id = ?1 AND user_id = 'u1'", p.id)).toBe(0)
    // the erasure's progress is gone with it
    expect(await progressObjects(p)).toBe(0)
    // nobody else's data moved
    const u2 = await rowsOf(p.id, 'user_id', 'u2')
    expect(u2.archived).toBeGreaterThan(0)
    expect(u2.events).toBe(1)
    expect(u2.nudge_states).toBe(1)
    expect(await archivedWhere(p, (e) => e.anonymous_id === 'anon-9')).toBe(1)
  })

  it('answers a second call (or an id never seen) with 200 and nothing deleted', async () => {
    const p = await customerBase()
    expect((await api('/users/u1', p.adminKey, { method: 'DELETE' })).status).toBe(200)
    for (const id of ['u1', 'nobody']) {
      const again = await api(`/users/${id}`, p.adminKey, { method: 'DELETE' })
      expect(again.status).toBe(200)
      const body = await again.json<{ status: string; deleted: Record<string, number> }>()
      expect(body.status).toBe('done')
      expect(body.deleted.archived_events).toBe(0)
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
    const u2Before = await rowsOf(p.id, 'user_id', 'u2')
    const statuses: string[] = []
    const archived: number[] = []
    for (let i = 0; i < 80; i++) {
      const r = await eraseUser(env, p.id, 'u1', { maxStatements: 12, chunk: 1, maxObjects: 1 })
      statuses.push(r.status)
      archived.push(r.deleted.archived_events ?? 0)
      if (r.status === 'done') break
      // between calls, the erasure's place is kept in R2
      expect(await progressObjects(p)).toBe(1)
    }
    expect(statuses.length).toBeGreaterThan(3)
    expect(statuses.slice(0, -1).every((s) => s === 'in_progress')).toBe(true)
    expect(statuses.at(-1)).toBe('done')
    // the earlier object's anonymous lines were found on the walk back, in a later call than the user's own
    expect(archived.filter((n) => n > 0).length).toBeGreaterThan(1)
    expect(Object.values(await rowsOf(p.id, 'user_id', 'u1')).every((n) => n === 0)).toBe(true)
    expect(await archivedWhere(p, (e) => e.anonymous_id === 'anon-1')).toBe(0)
    expect(await count("SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND anonymous_id = 'anon-1'", p.id)).toBe(0)
    expect(await progressObjects(p)).toBe(0)
    expect(await rowsOf(p.id, 'user_id', 'u2')).toEqual(u2Before)
  })

  it("erases the user's dedupe keys (event_ids) and keeps everyone else's", async () => {
    const p = await customerBase()
    const ofU1 = (e: { user_id: string | null; anonymous_id: string | null }) => e.user_id === 'u1' || e.anonymous_id === 'anon-1'
    const ofU2 = (e: { user_id: string | null }) => e.user_id === 'u2'
    const erased = await dedupeKeysOf(p, ofU1)
    const kept = await dedupeKeysOf(p, ofU2)
    expect(erased).toBeGreaterThan(0)
    const u1Ids = (await archivedEvents(p.id)).filter(ofU1).map((e) => e.message_id)
    const body = await (await api('/users/u1', p.adminKey, { method: 'DELETE' })).json<{ deleted: Record<string, number> }>()
    expect(body.deleted.event_ids).toBe(erased)
    expect(
      await count(
        'SELECT COUNT(*) AS n FROM event_ids WHERE project_id = ?1 AND message_id IN (SELECT value FROM json_each(?2))',
        p.id,
        JSON.stringify(u1Ids),
      ),
    ).toBe(0)
    expect(await dedupeKeysOf(p, ofU2)).toBe(kept)
  })

  it('needs an admin key of the same project', async () => {
    const p = await customerBase()
    const other = await newProject('erasure-other')
    expect((await api('/users/u1', p.readKey, { method: 'DELETE' })).status).toBe(403)
    const foreign = await api('/users/u1', other.adminKey, { method: 'DELETE' })
    expect(foreign.status).toBe(200)
    expect(Object.values((await foreign.json<{ deleted: Record<string, number> }>()).deleted).every((n) => n === 0)).toBe(true)
    const left = await rowsOf(p.id, 'user_id', 'u1')
    expect(left.archived).toBeGreaterThan(0)
    expect(left.events).toBeGreaterThan(0)
  })
})

/** DELETE until 200, as a client does (202: bounded work ran out, call again); the counts of all calls summed. */
async function eraseAccountByApi(p: TestProject, id: string) {
  const deleted: Record<string, number> = {}
  for (let calls = 1; ; calls++) {
    const res = await api(`/accounts/${id}`, p.adminKey, { method: 'DELETE' })
    const body = await res.json<{ status: string; deleted: Record<string, number> }>()
    expect(res.status).toBe(body.status === 'done' ? 200 : 202)
    for (const [t, n] of Object.entries(body.deleted)) deleted[t] = (deleted[t] ?? 0) + n
    if (body.status === 'done') return { status: body.status, deleted, calls }
    expect(calls).toBeLessThan(10)
  }
}

describe('DELETE /api/v1/accounts/:id', { timeout: 30_000 }, () => {
  it('removes the account, its users and everything about both; other accounts keep theirs', async () => {
    const p = await customerBase()
    const globexBefore = await rowsOf(p.id, 'account_id', 'globex')
    const body = await eraseAccountByApi(p, 'acme')
    expect(body).toMatchObject({
      status: 'done',
      deleted: { accounts: 1, users: 2, account_outcomes: 1, account_alerts: 1, account_notes: 1, account_scores: 1 },
    })
    expect(body.deleted.archived_events).toBeGreaterThan(0)
    expect(body.deleted.event_ids).toBe(body.deleted.archived_events)
    expect(await rowsOf(p.id, 'account_id', 'acme')).toEqual(
      Object.fromEntries(Object.keys(await rowsOf(p.id, 'account_id', 'acme')).map((t) => [t, 0])),
    )
    for (const u of ['u1', 'u2']) expect(Object.values(await rowsOf(p.id, 'user_id', u)).every((n) => n === 0)).toBe(true)
    expect(await count("SELECT COUNT(*) AS n FROM accounts WHERE project_id = ?1 AND id = 'acme'", p.id)).toBe(0)
    expect((await api('/accounts/acme', p.readKey)).status).toBe(404)
    // u4 moved to globex: what it did in acme is gone, the rest of u4 stays
    expect(await archivedWhere(p, (e) => e.user_id === 'u4' && e.account_id === 'acme')).toBe(0)
    const u4Lines = await archivedWhere(p, (e) => e.user_id === 'u4')
    expect(await archivedWhere(p, (e) => e.user_id === 'u4' && e.account_id === 'globex')).toBe(u4Lines)
    expect(u4Lines).toBeGreaterThan(0)
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE project_id = ?1 AND id = 'u4'", p.id)).toBe(1)
    // and u4's rollups no longer count what it did in acme
    expect(await count("SELECT SUM(events) AS n FROM user_days WHERE project_id = ?1 AND user_id = 'u4'", p.id)).toBe(u4Lines)
    expect(
      await count("SELECT SUM(n) AS n FROM user_event_days WHERE project_id = ?1 AND user_id = 'u4' AND name = 'Report Exported'", p.id),
    ).toBe(1)
    expect(await count("SELECT SUM(n) AS n FROM user_feature_days WHERE project_id = ?1 AND user_id = 'u4'", p.id)).toBe(1)
    expect(
      await count("SELECT COUNT(*) AS n FROM user_days WHERE project_id = ?1 AND user_id = 'u4' AND account_id = 'globex'", p.id),
    ).toBeGreaterThan(0)
    // the anonymous visitor's event inside acme is gone too, and u1's anonymous page views before sign-in
    expect(await archivedWhere(p, (e) => e.anonymous_id === 'anon-9' || e.anonymous_id === 'anon-1')).toBe(0)
    expect((await rawArchive(p)).text).not.toContain('ada@acme.test')
    expect(await progressObjects(p)).toBe(0)
    const globexAfter = await rowsOf(p.id, 'account_id', 'globex')
    expect(globexAfter).toEqual(globexBefore)
  })

  it('ends in the same state when done in many small calls', async () => {
    const p = await customerBase()
    const globexBefore = await rowsOf(p.id, 'account_id', 'globex')
    let calls = 0
    for (let r = await eraseAccount(env, p.id, 'acme', { maxStatements: 12, chunk: 1, maxObjects: 1 }); r.status !== 'done'; calls++) {
      r = await eraseAccount(env, p.id, 'acme', { maxStatements: 12, chunk: 1, maxObjects: 1 })
      expect(calls).toBeLessThan(100)
    }
    expect(calls).toBeGreaterThan(2)
    expect(Object.values(await rowsOf(p.id, 'account_id', 'acme')).every((n) => n === 0)).toBe(true)
    for (const u of ['u1', 'u2']) expect(Object.values(await rowsOf(p.id, 'user_id', u)).every((n) => n === 0)).toBe(true)
    expect(await count("SELECT COUNT(*) AS n FROM accounts WHERE project_id = ?1 AND id = 'acme'", p.id)).toBe(0)
    expect(await archivedWhere(p, (e) => e.anonymous_id === 'anon-1')).toBe(0)
    const u4Lines = await archivedWhere(p, (e) => e.user_id === 'u4')
    expect(await count("SELECT SUM(events) AS n FROM user_days WHERE project_id = ?1 AND user_id = 'u4'", p.id)).toBe(u4Lines)
    expect(await rowsOf(p.id, 'account_id', 'globex')).toEqual(globexBefore)
    expect(await progressObjects(p)).toBe(0)
  })

  it('is idempotent: a second call answers 200 with nothing deleted', async () => {
    const p = await customerBase()
    await eraseAccountByApi(p, 'acme')
    const again = await api('/accounts/acme', p.adminKey, { method: 'DELETE' })
    expect(again.status).toBe(200)
    expect(Object.values((await again.json<{ deleted: Record<string, number> }>()).deleted).every((n) => n === 0)).toBe(true)
  })
})
