import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api, newProject } from './fixtures'
import { addMember, memberSecret, seedAccount, seedAlert } from './queue-fixtures'

const H = 3_600_000
const post = (key: string, path: string, body: unknown) =>
  api(path, key, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })

interface NoteWire {
  id: number
  account_id: string
  alert_id: number | null
  author: { member_id: string | null; name: string }
  body: string
  created_at: string
}

describe('account notes', () => {
  it("writes a note as the key's member, or as the key's label for a project key, and lists them newest first", async () => {
    const p = await newProject('notes')
    await seedAccount(p.id, 'globex', {})
    const dana = await addMember(p.adminKey, 'Dana', 'dana@ledgerly.test')
    const danaKey = await memberSecret(p.adminKey, dana.id, 'admin')
    let res = await post(danaKey, '/accounts/globex/notes', { body: '  Called their admin.  ' })
    expect(res.status).toBe(201)
    const first = (await res.json<{ note: NoteWire }>()).note
    expect(first).toMatchObject({
      account_id: 'globex',
      alert_id: null,
      author: { member_id: dana.id, name: 'Dana' },
      body: 'Called their admin.',
    })
    const alertId = await seedAlert(p.id, 'globex')
    res = await post(p.adminKey, '/accounts/globex/notes', { body: 'Escalated.', alert_id: alertId })
    expect(res.status).toBe(201)
    expect((await res.json<{ note: NoteWire }>()).note).toMatchObject({ alert_id: alertId, author: { member_id: null, name: 'admin key' } })
    const list = await (await api('/accounts/globex/notes', p.readKey)).json<{ notes: NoteWire[] }>()
    expect(list.notes.map((n) => n.body)).toEqual(['Escalated.', 'Called their admin.'])
    expect((await (await api('/accounts/globex/notes?limit=1', p.readKey)).json<{ notes: NoteWire[] }>()).notes).toHaveLength(1)
  })

  it('refuses bad bodies with 400 JSON, read keys with 403, unknown accounts and alerts with 404', async () => {
    const p = await newProject('notes')
    await seedAccount(p.id, 'globex', {})
    await seedAccount(p.id, 'initech', {})
    const initechAlert = await seedAlert(p.id, 'initech')
    for (const body of [
      {},
      { body: '' },
      { body: '   ' },
      { body: 'x'.repeat(4001) },
      { body: 'ok', author: 'me' },
      { body: 5 },
      '{"body":',
    ]) {
      const res = await post(p.adminKey, '/accounts/globex/notes', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect((await res.json<{ error: { code: string } }>()).error.code).toBeTruthy()
    }
    expect((await post(p.adminKey, '/accounts/globex/notes', { body: 'x'.repeat(4000) })).status).toBe(201)
    const other = await post(p.adminKey, '/accounts/globex/notes', { body: 'ok', alert_id: initechAlert })
    expect(other.status).toBe(400)
    expect((await other.json<{ error: { code: string } }>()).error.code).toBe('alert_of_another_account')
    expect((await post(p.adminKey, '/accounts/globex/notes', { body: 'ok', alert_id: 999_999_999 })).status).toBe(404)
    expect((await post(p.readKey, '/accounts/globex/notes', { body: 'ok' })).status).toBe(403)
    expect((await post(p.adminKey, '/accounts/nope/notes', { body: 'ok' })).status).toBe(404)
    expect((await api('/accounts/nope/notes', p.readKey)).status).toBe(404)
  })

  it("gives another project's keys nothing: 404 for the account, its notes and its timeline", async () => {
    const p = await newProject('notes')
    const q = await newProject('notes')
    await seedAccount(p.id, 'globex', {})
    expect((await post(p.adminKey, '/accounts/globex/notes', { body: 'private' })).status).toBe(201)
    expect((await api('/accounts/globex/notes', q.readKey)).status).toBe(404)
    expect((await post(q.adminKey, '/accounts/globex/notes', { body: 'x' })).status).toBe(404)
    expect((await api('/accounts/globex/timeline', q.readKey)).status).toBe(404)
    // the same account id in the other project sees none of the first project's notes
    await seedAccount(q.id, 'globex', {})
    expect((await (await api('/accounts/globex/notes', q.readKey)).json<{ notes: unknown[] }>()).notes).toEqual([])
    expect((await (await api('/accounts/globex/timeline', q.readKey)).json<{ items: unknown[] }>()).items).toEqual([])
  })
})

describe('account timeline', () => {
  it('merges alerts, nudges shown and answered (with the NPS score), outcomes and notes, newest first and bounded', async () => {
    const p = await newProject('timeline')
    await seedAccount(p.id, 'globex', {})
    const now = Date.now()
    const alertId = await seedAlert(p.id, 'globex', 'score_drop', 6 * H)
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO nudges (project_id, key, kind, definition_json, active, created_at, updated_at) VALUES (?1, 'nps-q2', 'nps', '{}', 1, ?2, ?2)",
      ).bind(p.id, now),
      env.DB.prepare(
        `INSERT INTO nudge_states (project_id, user_id, nudge_key, account_id, exposure, shows, first_exposed_at, completed_at)
         VALUES (?1, 'u1', 'nps-q2', 'globex', 'shown', 1, ?2, ?3), (?1, 'u2', 'nps-q2', 'globex', 'holdout', 0, ?2, NULL),
                (?1, 'u3', 'nps-q2', 'initech', 'shown', 1, ?2, NULL)`,
      ).bind(p.id, now - 5 * H, now - 4 * H),
      env.DB.prepare(
        `INSERT INTO events (project_id, message_id, type, kind, name, user_id, account_id, ts, received_at, properties_json)
         VALUES (?1, 'm1', 'track', 'system', '$nudge_answered', 'u1', 'globex', ?2, ?2, '{"nudge":"nps-q2","score":6}')`,
      ).bind(p.id, now - 4 * H),
      env.DB.prepare(
        "INSERT INTO account_outcomes (project_id, account_id, kind, date, amount, created_at) VALUES (?1, 'globex', 'renewed', '2026-01-15', 24000, ?2)",
      ).bind(p.id, now),
    ])
    expect((await post(p.adminKey, '/accounts/globex/notes', { body: 'Walkthrough booked.' })).status).toBe(201)
    const res = await api('/accounts/globex/timeline', p.readKey)
    expect(res.status).toBe(200)
    const { items } = await res.json<{ items: { at: string; kind: string; title: string; detail: string | null; ref: string }[] }>()
    expect(items.map((i) => [i.kind, i.ref])).toEqual([
      ['note', expect.stringMatching(/^note:\d+$/)],
      ['nudge_answered', 'nudge:nps-q2'],
      ['nudge_shown', 'nudge:nps-q2'],
      ['alert', `alert:${alertId}`],
      ['outcome', expect.stringMatching(/^outcome:\d+$/)],
    ])
    expect(items[1]).toMatchObject({ title: 'NPS survey nps-q2 answered', detail: 'u1 · score 6' })
    expect(items[4]).toMatchObject({ at: '2026-01-15T00:00:00.000Z', title: 'Renewed' })
    const two = await (await api('/accounts/globex/timeline?limit=2', p.readKey)).json<{ items: { kind: string }[] }>()
    expect(two.items.map((i) => i.kind)).toEqual(['note', 'nudge_answered'])
    expect((await api('/accounts/globex/timeline?limit=0', p.readKey)).status).toBe(400)
    expect((await api('/accounts/globex/timeline?limit=201', p.readKey)).status).toBe(400)
    expect((await api('/accounts/globex/timeline?since=1', p.readKey)).status).toBe(400)
  })
})
