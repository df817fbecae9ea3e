import {
  createdKeySchema,
  keyIdParams,
  keyListSchema,
  newKeyBodySchema,
  revokedKeySchema,
  rotatedKeySchema,
} from '../../../shared/api/projects'
import { forgetKey, KEY_CACHE_SECONDS } from '../http/auth'
import { ApiError, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { KEY_PREFIX, newSecret, type KeyRecord } from './keys'
import { countActiveKeys, createKey, findKey, listKeys, MAX_ACTIVE_KEYS, prepareKey, revokeKey, rotateKey } from './keys-store'

/**
 * Admin API: the project's keys. Secrets are shown once, when created; afterwards only the id, kind,
 * label and last 4 characters. A revoked key stops working within the key cache's lifetime.
 */
export const keyRoutes = createRouter()

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The one wire form of a key. */
export const presentKey = (k: KeyRecord, callerKeyId: string | null) => ({
  id: k.id,
  kind: k.kind,
  prefix: KEY_PREFIX[k.kind],
  label: k.label,
  last4: k.last4,
  created_at: new Date(k.createdAt).toISOString(),
  revoked_at: iso(k.revokedAt),
  current: k.id === callerKeyId,
  member_id: k.memberId,
})

keyRoutes.use('*', async (c, next) => {
  // keys are an admin matter: a read key may not even list them
  if (c.var.apiKey.kind !== 'admin') throw new ApiError(403, 'forbidden', 'Managing keys needs an admin key')
  await next()
})

const tags = ['projects']
const noQuery = querySchema({})

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: "List the project's keys (never their secrets)",
  security: auth.admin,
  request: { query: noQuery },
  responses: { 200: jsonResponse(keyListSchema, 'Every key of the project, revoked ones included'), ...errorResponses(403) },
})

keyRoutes.openapi(list, async (c) => {
  const keys = await listKeys(c.env.DB, c.var.apiKey.projectId)
  return c.json({ keys: keys.map((k) => presentKey(k, c.var.apiKey.keyId)), revocation_delay_seconds: KEY_CACHE_SECONDS }, 200)
})

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create a key; its secret is shown once',
  security: auth.admin,
  request: { query: noQuery, body: jsonBody(newKeyBodySchema) },
  responses: {
    201: jsonResponse(createdKeySchema, 'The new key and its secret (Cache-Control: no-store)'),
    ...errorResponses(403, 409, 415),
  },
})

keyRoutes.openapi(create, async (c) => {
  const { projectId, keyId } = c.var.apiKey
  const { kind, label } = c.req.valid('json')
  if ((await countActiveKeys(c.env.DB, projectId)) >= MAX_ACTIVE_KEYS) {
    throw new ApiError(409, 'too_many_keys', `A project may hold at most ${MAX_ACTIVE_KEYS} active keys; revoke one first`)
  }
  const secret = newSecret(kind)
  const key = await createKey(c.env.DB, projectId, await prepareKey(secret, kind, label ?? `${kind} key`), Date.now())
  c.header('Cache-Control', 'no-store')
  return c.json({ key: presentKey(key, keyId), secret }, 201)
})

const revoke = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Revoke a key',
  description: "200 also when it already was revoked; 404 for a key of another project or none; 409 for the project's last admin key.",
  security: auth.admin,
  request: { params: keyIdParams, query: noQuery },
  responses: { 200: jsonResponse(revokedKeySchema, 'The revoked key'), ...errorResponses(403, 404, 409) },
})

keyRoutes.openapi(revoke, async (c) => {
  const { projectId, keyId } = c.var.apiKey
  const { id } = c.req.valid('param')
  const revoked = await revokeKey(c.env.DB, projectId, id, Date.now())
  if (revoked) forgetKey(id)
  const key = revoked ?? (await findKey(c.env.DB, projectId, id))
  if (!key) throw notFound(`No key ${id} in this project`)
  if (key.revokedAt === null)
    throw new ApiError(409, 'last_admin_key', 'This is the project’s last active admin key; create another admin key before revoking it')
  return c.json({ key: presentKey(key, keyId), revocation_delay_seconds: KEY_CACHE_SECONDS }, 200)
})

const rotate = createRoute({
  method: 'post',
  path: '/{id}/rotate',
  tags,
  summary: 'Rotate a key: a new secret of the same kind and label, the old key revoked, in one transaction',
  security: auth.admin,
  request: { params: keyIdParams, query: noQuery },
  responses: {
    201: jsonResponse(rotatedKeySchema, 'The new key with its secret, and the revoked one (Cache-Control: no-store)'),
    ...errorResponses(403, 404, 409),
  },
})

keyRoutes.openapi(rotate, async (c) => {
  const { projectId, keyId } = c.var.apiKey
  const { id } = c.req.valid('param')
  const old = await findKey(c.env.DB, projectId, id)
  if (!old) throw notFound(`No key ${id} in this project`)
  if (old.revokedAt !== null) throw new ApiError(409, 'key_revoked', `Key ${id} is already revoked; create a new key instead`)
  const secret = newSecret(old.kind)
  const { created, revoked } = await rotateKey(c.env.DB, projectId, old, secret, Date.now())
  forgetKey(id)
  c.header('Cache-Control', 'no-store')
  return c.json(
    {
      key: presentKey(created, keyId),
      secret,
      revoked: revoked && presentKey(revoked, keyId),
      revocation_delay_seconds: KEY_CACHE_SECONDS,
    },
    201,
  )
})
