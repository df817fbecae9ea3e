import { Hono } from 'hono'
import { z } from 'zod'
import { KEY_PREFIX, newSecret } from './keys'
import { forgetKey, KEY_CACHE_SECONDS } from '../http/auth'
import { countActiveKeys, findKey, insertKey, listKeys, MAX_ACTIVE_KEYS, prepareKey, revokeKeyStatement, type KeyRow } from './keys-store'
import type { AppEnv } from '../http/env'
import { ApiError, notFound } from '../http/errors'
import { noQuery, validate } from '../http/validate'

/**
 * Admin API: the project's keys. Secrets are shown once, when created; afterwards only the id, kind,
 * label and last 4 characters. A revoked key stops working within the key cache's lifetime.
 */
export const keyRoutes = new Hono<AppEnv>()

const newKeySchema = z.strictObject({
  kind: z.enum(['write', 'read', 'admin']),
  label: z.string().trim().min(1).max(100).optional(),
})

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

function present(r: KeyRow, callerKeyId: string | null) {
  return {
    id: r.id,
    kind: r.kind,
    prefix: KEY_PREFIX[r.kind],
    label: r.label,
    last4: r.last4,
    created_at: iso(r.created_at),
    revoked_at: iso(r.revoked_at),
    current: r.id === callerKeyId,
  }
}

keyRoutes.use('*', async (c, next) => {
  // keys are an admin matter: a read key may not even list them
  if (c.var.apiKey.kind !== 'admin') throw new ApiError(403, 'forbidden', 'Managing keys needs an admin key')
  await next()
})

keyRoutes.get('/', noQuery, async (c) => {
  const rows = await listKeys(c.env.DB, c.var.apiKey.projectId)
  return c.json({ keys: rows.map((r) => present(r, c.var.apiKey.keyId)), revocation_delay_seconds: KEY_CACHE_SECONDS })
})

async function assertRoomForKey(db: D1Database, projectId: string) {
  if (((await countActiveKeys(db, projectId)) ?? 0) >= MAX_ACTIVE_KEYS) {
    throw new ApiError(409, 'too_many_keys', `A project may hold at most ${MAX_ACTIVE_KEYS} active keys; revoke one first`)
  }
}

keyRoutes.post('/', noQuery, validate('json', newKeySchema), async (c) => {
  const { projectId, keyId } = c.var.apiKey
  const { kind, label } = c.req.valid('json')
  await assertRoomForKey(c.env.DB, projectId)
  const secret = newSecret(kind)
  const row = await insertKey(c.env.DB, projectId, await prepareKey(secret, kind, label ?? `${kind} key`), Date.now()).first<KeyRow>()
  c.header('Cache-Control', 'no-store')
  return c.json({ key: present(row!, keyId), secret }, 201)
})

/** Revoked (200, also when it already was), 404 for a key of another project or none, 409 for the last admin key. */
keyRoutes.delete('/:id', noQuery, async (c) => {
  const { projectId, keyId } = c.var.apiKey
  const id = c.req.param('id')
  const revoked = await revokeKeyStatement(c.env.DB, projectId, id, Date.now()).first<KeyRow>()
  if (revoked) {
    forgetKey(id)
    return c.json({ key: present(revoked, keyId), revocation_delay_seconds: KEY_CACHE_SECONDS })
  }
  const row = await findKey(c.env.DB, projectId, id)
  if (!row) throw notFound(`No key ${id} in this project`)
  if (row.revoked_at !== null) return c.json({ key: present(row, keyId), revocation_delay_seconds: KEY_CACHE_SECONDS })
  throw new ApiError(409, 'last_admin_key', 'This is the project’s last active admin key; create another admin key before revoking it')
})

/** A new secret of the same kind and label, and the old key revoked, in one transaction. */
keyRoutes.post('/:id/rotate', noQuery, async (c) => {
  const { projectId, keyId } = c.var.apiKey
  const id = c.req.param('id')
  const old = await findKey(c.env.DB, projectId, id)
  if (!old) throw notFound(`No key ${id} in this project`)
  if (old.revoked_at !== null) throw new ApiError(409, 'key_revoked', `Key ${id} is already revoked; create a new key instead`)
  const secret = newSecret(old.kind)
  const now = Date.now()
  const [created, revoked] = await c.env.DB.batch<KeyRow>([
    insertKey(c.env.DB, projectId, await prepareKey(secret, old.kind, old.label), now),
    revokeKeyStatement(c.env.DB, projectId, id, now),
  ])
  forgetKey(id)
  c.header('Cache-Control', 'no-store')
  return c.json(
    { key: present(created.results[0], keyId), secret, revoked: revoked.results[0] ? present(revoked.results[0], keyId) : null, revocation_delay_seconds: KEY_CACHE_SECONDS },
    201,
  )
})
