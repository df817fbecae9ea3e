import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../worker/src/app'
import { api, newProject, post } from './fixtures'

interface KeyMeta {
  id: string
  kind: string
  prefix: string
  label: string
  last4: string | null
  created_at: string
  revoked_at: string | null
  current: boolean
}

const listKeys = async (key: string) => {
  const res = await api('/keys', key)
  expect(res.status).toBe(200)
  return (await res.json<{ keys: KeyMeta[] }>()).keys
}
const createKey = (adminKey: string, body: unknown) => api('/keys', adminKey, { method: 'POST', body: JSON.stringify(body) })
const revoke = (adminKey: string, id: string) => api(`/keys/${id}`, adminKey, { method: 'DELETE' })
const idOf = async (adminKey: string, kind: string) => (await listKeys(adminKey)).find((k) => k.kind === kind && !k.revoked_at)!.id

describe('key management', () => {
  it('lists the project keys with id, kind, label and last 4 characters, never the secret or its hash', async () => {
    const p = await newProject('keys')
    const keys = await listKeys(p.adminKey)
    expect(keys.map((k) => k.kind).sort()).toEqual(['admin', 'read', 'write'])
    const admin = keys.find((k) => k.kind === 'admin')!
    expect(admin).toMatchObject({ prefix: 'sk_', last4: p.adminKey.slice(-4), revoked_at: null, current: true })
    expect(admin.id).toMatch(/^key_[0-9a-f]{16}$/)
    const text = JSON.stringify(keys)
    const hashes = await env.DB.prepare('SELECT key_hash FROM api_keys WHERE project_id = ?1').bind(p.id).all<{ key_hash: string }>()
    for (const secret of [p.adminKey, p.readKey, p.writeKey]) expect(text).not.toContain(secret)
    for (const { key_hash } of hashes.results) expect(text).not.toContain(key_hash.slice(0, 12))
  })

  it('creates a key whose secret is shown once and works at once', async () => {
    const p = await newProject('keys')
    const res = await createKey(p.adminKey, { kind: 'read', label: 'Looker' })
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const { key, secret } = await res.json<{ key: KeyMeta; secret: string }>()
    expect(secret).toMatch(/^rk_[A-Za-z0-9_-]{32}$/)
    expect(key).toMatchObject({ kind: 'read', label: 'Looker', last4: secret.slice(-4) })
    expect((await api('/accounts', secret)).status).toBe(200)
    expect(JSON.stringify(await listKeys(p.adminKey))).not.toContain(secret)
  })

  it('refuses an unknown kind or field with a 400', async () => {
    const p = await newProject('keys')
    expect((await createKey(p.adminKey, { kind: 'root' })).status).toBe(400)
    expect((await createKey(p.adminKey, { kind: 'read', scopes: ['*'] })).status).toBe(400)
  })

  it('revokes a key so it stops working, and a second revoke answers 200 unchanged', async () => {
    const p = await newProject('keys')
    const readId = await idOf(p.adminKey, 'read')
    expect((await api('/accounts', p.readKey)).status).toBe(200)
    const res = await revoke(p.adminKey, readId)
    expect(res.status).toBe(200)
    const { key } = await res.json<{ key: KeyMeta }>()
    expect(key.revoked_at).not.toBeNull()
    // this isolate forgets the key at once; others within the 30 s cache lifetime
    expect((await api('/accounts', p.readKey)).status).toBe(401)
    const again = await revoke(p.adminKey, readId)
    expect(again.status).toBe(200)
    expect((await again.json<{ key: KeyMeta }>()).key.revoked_at).toBe(key.revoked_at)
  })

  it('revokes the write key for ingest too', async () => {
    const p = await newProject('keys')
    await revoke(p.adminKey, await idOf(p.adminKey, 'write'))
    const res = await post('/v1/batch', { writeKey: p.writeKey, batch: [{ type: 'track', userId: 'u1', event: 'X' }] })
    expect(res.status).toBe(401)
  })

  it('refuses to revoke the last admin key (409), and allows it once another exists', async () => {
    const p = await newProject('keys')
    const adminId = await idOf(p.adminKey, 'admin')
    const refused = await revoke(p.adminKey, adminId)
    expect(refused.status).toBe(409)
    expect((await refused.json<{ error: { code: string } }>()).error.code).toBe('last_admin_key')
    const { secret } = await (await createKey(p.adminKey, { kind: 'admin' })).json<{ secret: string }>()
    expect((await revoke(secret, adminId)).status).toBe(200)
    expect((await api('/keys', p.adminKey)).status).toBe(401)
    const newId = (await listKeys(secret)).find((k) => k.current)!.id
    expect((await revoke(secret, newId)).status).toBe(409)
  })

  it('rotates a key: a new secret of the same kind and label, the old one revoked', async () => {
    const p = await newProject('keys')
    const writeId = await idOf(p.adminKey, 'write')
    const res = await api(`/keys/${writeId}/rotate`, p.adminKey, { method: 'POST' })
    expect(res.status).toBe(201)
    const body = await res.json<{ key: KeyMeta; secret: string; revoked: KeyMeta }>()
    expect(body.secret).toMatch(/^wk_/)
    expect(body.key).toMatchObject({ kind: 'write', label: 'write key' })
    expect(body.revoked).toMatchObject({ id: writeId })
    expect((await post('/v1/batch', { writeKey: body.secret, batch: [{ type: 'track', userId: 'u1', event: 'X' }] })).status).toBe(200)
    expect((await post('/v1/batch', { writeKey: p.writeKey, batch: [{ type: 'track', userId: 'u1', event: 'X' }] })).status).toBe(401)
    // the last admin key can be rotated: the new one exists before the old one is revoked
    const adminId = await idOf(p.adminKey, 'admin')
    const rotated = await api(`/keys/${adminId}/rotate`, p.adminKey, { method: 'POST' })
    expect(rotated.status).toBe(201)
    const { secret } = await rotated.json<{ secret: string }>()
    expect((await listKeys(secret)).filter((k) => k.kind === 'admin' && !k.revoked_at)).toHaveLength(1)
  })

  it('lets a read key neither list nor create keys', async () => {
    const p = await newProject('keys')
    expect((await api('/keys', p.readKey)).status).toBe(403)
    expect((await createKey(p.readKey, { kind: 'admin' })).status).toBe(403)
  })

  it("never shows, revokes or rotates another project's keys", async () => {
    const a = await newProject('keys-a')
    const b = await newProject('keys-b')
    const aRead = await idOf(a.adminKey, 'read')
    const bIds = (await listKeys(b.adminKey)).map((k) => k.id)
    expect(bIds).not.toContain(aRead)
    expect((await revoke(b.adminKey, aRead)).status).toBe(404)
    expect((await api(`/keys/${aRead}/rotate`, b.adminKey, { method: 'POST' })).status).toBe(404)
    expect((await api('/accounts', a.readKey)).status).toBe(200)
  })
})

describe('project creation by the operator', () => {
  const OPERATOR = 'op_0123456789abcdefghijklmnop'
  const app = createApp()
  const create = (body: unknown, key?: string, operatorKey: string | null = OPERATOR) =>
    app.request(
      '/api/v1/projects',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(body),
      },
      { ...env, UPTAKE_OPERATOR_KEY: operatorKey ?? undefined },
    )

  it('does not exist without UPTAKE_OPERATOR_KEY', async () => {
    expect((await create({ name: 'X' }, 'anything', null)).status).toBe(404)
    expect((await create({ name: 'X' }, 'short', 'short')).status).toBe(404)
    const p = await newProject('ops')
    expect((await api('/projects', p.adminKey, { method: 'POST', body: JSON.stringify({ name: 'X' }) })).status).toBe(404)
  })

  it('refuses a wrong operator key and any project key', async () => {
    const p = await newProject('ops')
    expect((await create({ name: 'X' }, `${OPERATOR}x`)).status).toBe(401)
    expect((await create({ name: 'X' }, p.adminKey)).status).toBe(401)
    expect((await create({ name: 'X' })).status).toBe(401)
  })

  it('creates a project and returns its three keys once, which then work', async () => {
    const res = await create({ name: 'My Product 2', id: `my-product-${crypto.randomUUID().slice(0, 8)}` }, OPERATOR)
    expect(res.status).toBe(201)
    const body = await res.json<{ project: { id: string }; keys: (KeyMeta & { secret: string })[] }>()
    const byKind = Object.fromEntries(body.keys.map((k) => [k.kind, k.secret]))
    expect(Object.keys(byKind).sort()).toEqual(['admin', 'read', 'write'])
    expect((await api('/accounts', byKind.read)).status).toBe(200)
    expect((await post('/v1/batch', { writeKey: byKind.write, batch: [{ type: 'track', userId: 'u1', event: 'X' }] })).status).toBe(200)
    const keys = await listKeys(byKind.admin)
    expect(keys).toHaveLength(3)
    expect((await create({ name: 'Again', id: body.project.id }, OPERATOR)).status).toBe(409)
  })

  it('derives the id from the name and refuses an invalid id', async () => {
    const name = `Acme ${crypto.randomUUID().slice(0, 6)} App!`
    const res = await create({ name }, OPERATOR)
    expect(res.status).toBe(201)
    expect((await res.json<{ project: { id: string } }>()).project.id).toBe(
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/-$/, ''),
    )
    expect((await create({ name: 'X', id: 'Bad Id' }, OPERATOR)).status).toBe(400)
  })
})
