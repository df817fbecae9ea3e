import { describe, expect, it } from 'vitest'
import { api, newProject } from './fixtures'

interface MemberWire {
  id: string
  name: string
  email: string
  created_at: string
  removed_at: string | null
  active_keys: number
}

const json = (body: unknown, method = 'POST') => ({ method, body: JSON.stringify(body) })
const addMember = async (adminKey: string, body: unknown) => {
  const res = await api('/members', adminKey, json(body))
  expect(res.status).toBe(201)
  return (await res.json<{ member: MemberWire }>()).member
}
const memberKey = async (adminKey: string, id: string, kind: 'read' | 'admin') => {
  const res = await api(`/members/${id}/keys`, adminKey, json({ kind }))
  expect(res.status).toBe(201)
  return res.json<{ key: { id: string; kind: string; label: string; last4: string; member_id: string }; secret: string }>()
}

describe('team members', () => {
  it('adds a member, gives them a key bound to them, and GET /me names them', async () => {
    const p = await newProject('members')
    const dana = await addMember(p.adminKey, { name: ' Dana ', email: 'Dana@Ledgerly.test' })
    expect(dana).toMatchObject({ name: 'Dana', email: 'dana@ledgerly.test', removed_at: null, active_keys: 0 })
    expect(dana.id).toMatch(/^mem_[0-9a-f]{16}$/)
    const { key, secret } = await memberKey(p.adminKey, dana.id, 'read')
    expect(secret).toMatch(/^rk_/)
    expect(key).toMatchObject({ kind: 'read', member_id: dana.id, last4: secret.slice(-4), label: 'Dana’s read key' })
    const me = await (await api('/me', secret)).json<Record<string, unknown>>()
    expect(me).toEqual({
      project_id: p.id,
      key: { id: key.id, kind: 'read', label: 'Dana’s read key' },
      member: { id: dana.id, name: 'Dana', email: 'dana@ledgerly.test' },
    })
    // a project key belongs to nobody
    expect((await (await api('/me', p.adminKey)).json<{ member: unknown }>()).member).toBeNull()
    const list = await (await api('/members', secret)).json<{ members: MemberWire[] }>()
    expect(list.members).toEqual([{ ...dana, active_keys: 1 }])
    // the project's key list shows whose key it is
    const keys = await (await api('/keys', p.adminKey)).json<{ keys: { id: string; member_id: string | null }[] }>()
    expect(keys.keys.find((k) => k.id === key.id)?.member_id).toBe(dana.id)
  })

  it('removing a member revokes their keys: their key is refused with 401 at once', async () => {
    const p = await newProject('members')
    const sam = await addMember(p.adminKey, { name: 'Sam', email: 'sam@ledgerly.test' })
    const read = await memberKey(p.adminKey, sam.id, 'read')
    const admin = await memberKey(p.adminKey, sam.id, 'admin')
    // both keys work (and are cached) before the removal
    expect((await api('/me', read.secret)).status).toBe(200)
    expect((await api('/me', admin.secret)).status).toBe(200)
    const res = await api(`/members/${sam.id}`, p.adminKey, { method: 'DELETE' })
    expect(res.status).toBe(200)
    const removed = await res.json<{ member: MemberWire; revoked_keys: number }>()
    expect(removed.revoked_keys).toBe(2)
    expect(removed.member.removed_at).not.toBeNull()
    expect(removed.member.active_keys).toBe(0)
    for (const secret of [read.secret, admin.secret]) {
      const r = await api('/accounts', secret)
      expect(r.status).toBe(401)
      expect((await r.json<{ error: { code: string } }>()).error.code).toBe('unauthorized')
    }
    // gone from the list, there with include_removed; a second delete is a 404
    expect((await (await api('/members', p.readKey)).json<{ members: MemberWire[] }>()).members).toEqual([])
    const all = await (await api('/members?include_removed=true', p.readKey)).json<{ members: MemberWire[] }>()
    expect(all.members.map((m) => m.id)).toEqual([sam.id])
    expect((await api(`/members/${sam.id}`, p.adminKey, { method: 'DELETE' })).status).toBe(404)
    expect((await api(`/members/${sam.id}/keys`, p.adminKey, json({ kind: 'read' }))).status).toBe(404)
  })

  it("refuses a removed member's key even when the key row itself was never revoked", async () => {
    const { env } = await import('cloudflare:test')
    const p = await newProject('members')
    const kim = await addMember(p.adminKey, { name: 'Kim', email: 'kim@ledgerly.test' })
    const { secret } = await memberKey(p.adminKey, kim.id, 'read')
    // a member marked removed by hand (say, a restore from backup): the key lookup itself checks the member
    await env.DB.prepare('UPDATE members SET removed_at = 1 WHERE project_id = ?1 AND id = ?2').bind(p.id, kim.id).run()
    // the key was never used, so no isolate has it cached: the lookup alone must refuse it
    expect((await api('/accounts', secret)).status).toBe(401)
  })

  it('re-adding a removed member by email brings them back without keys; a live duplicate is a 409', async () => {
    const p = await newProject('members')
    const a = await addMember(p.adminKey, { name: 'Ana', email: 'ana@x.test' })
    const dup = await api('/members', p.adminKey, json({ name: 'Other Ana', email: 'ANA@x.test' }))
    expect(dup.status).toBe(409)
    expect((await dup.json<{ error: { code: string } }>()).error.code).toBe('member_exists')
    await memberKey(p.adminKey, a.id, 'read')
    expect((await api(`/members/${a.id}`, p.adminKey, { method: 'DELETE' })).status).toBe(200)
    const back = await addMember(p.adminKey, { name: 'Ana B', email: 'ana@x.test' })
    expect(back).toMatchObject({ id: a.id, name: 'Ana B', removed_at: null, active_keys: 0 })
  })

  it('renames a member and refuses an email another member has', async () => {
    const p = await newProject('members')
    const a = await addMember(p.adminKey, { name: 'Ana', email: 'ana@x.test' })
    await addMember(p.adminKey, { name: 'Bo', email: 'bo@x.test' })
    const res = await api(`/members/${a.id}`, p.adminKey, json({ name: 'Ana Lee' }, 'PATCH'))
    expect(res.status).toBe(200)
    expect((await res.json<{ member: MemberWire }>()).member).toMatchObject({ name: 'Ana Lee', email: 'ana@x.test' })
    expect((await api(`/members/${a.id}`, p.adminKey, json({ email: 'bo@x.test' }, 'PATCH'))).status).toBe(409)
  })

  it('refuses bad bodies with a 400 JSON error and read keys with a 403', async () => {
    const p = await newProject('members')
    for (const body of [
      {},
      { name: 'A' },
      { name: 'A', email: 'not-an-email' },
      { name: '', email: 'a@x.test' },
      { name: 'A', email: 'a@x.test', role: 'x' },
    ]) {
      const res = await api('/members', p.adminKey, json(body))
      expect(res.status).toBe(400)
      expect((await res.json<{ error: { code: string } }>()).error.code).toMatch(/invalid_request|unknown_fields/)
    }
    const a = await addMember(p.adminKey, { name: 'Ana', email: 'ana@x.test' })
    expect((await api(`/members/${a.id}`, p.adminKey, json({}, 'PATCH'))).status).toBe(400)
    expect((await api(`/members/${a.id}/keys`, p.adminKey, json({ kind: 'write' }))).status).toBe(400)
    expect((await api('/members', p.readKey, json({ name: 'B', email: 'b@x.test' }))).status).toBe(403)
    expect((await api(`/members/${a.id}`, p.readKey, json({ name: 'X' }, 'PATCH'))).status).toBe(403)
    expect((await api(`/members/${a.id}`, p.readKey, { method: 'DELETE' })).status).toBe(403)
    expect((await api(`/members/${a.id}/keys`, p.readKey, json({ kind: 'read' }))).status).toBe(403)
  })

  it("another project's keys see no members and cannot touch them", async () => {
    const p = await newProject('members')
    const q = await newProject('members')
    const a = await addMember(p.adminKey, { name: 'Ana', email: 'ana@x.test' })
    expect((await (await api('/members', q.readKey)).json<{ members: unknown[] }>()).members).toEqual([])
    expect((await api(`/members/${a.id}`, q.adminKey, json({ name: 'X' }, 'PATCH'))).status).toBe(404)
    expect((await api(`/members/${a.id}`, q.adminKey, { method: 'DELETE' })).status).toBe(404)
    expect((await api(`/members/${a.id}/keys`, q.adminKey, json({ kind: 'admin' }))).status).toBe(404)
    // the same email is free in another project
    await addMember(q.adminKey, { name: 'Ana', email: 'ana@x.test' })
  })

  it("keeps the project's last admin key: removing the member who holds it is a 409", async () => {
    const p = await newProject('members')
    const a = await addMember(p.adminKey, { name: 'Ana', email: 'ana@x.test' })
    const admin = await memberKey(p.adminKey, a.id, 'admin')
    const keys = await (await api('/keys', p.adminKey)).json<{ keys: { id: string; kind: string; member_id: string | null }[] }>()
    const projectAdmin = keys.keys.find((k) => k.kind === 'admin' && k.member_id === null)!
    expect((await api(`/keys/${projectAdmin.id}`, admin.secret, { method: 'DELETE' })).status).toBe(200)
    const res = await api(`/members/${a.id}`, admin.secret, { method: 'DELETE' })
    expect(res.status).toBe(409)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('last_admin_key')
  })
})
