import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env'
import { ApiError } from './errors'
import { findApiKey, type ApiKey } from '../projects'

const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message)

/** Key from `Authorization: Basic base64(key:)` (Segment's write-key scheme) or `Bearer key`. */
export function keyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined
  const [scheme, value] = header.split(' ', 2)
  if (!value) return undefined
  if (scheme.toLowerCase() === 'bearer') return value.trim()
  if (scheme.toLowerCase() !== 'basic') return undefined
  try {
    return atob(value.trim()).split(':')[0] || undefined
  } catch {
    return undefined
  }
}

const cache = new Map<string, { key: ApiKey | null; until: number }>()
const CACHE_MS = 30_000

/** Key lookups are cached per isolate for 30 s: ingest is hot and a revoked key may live that long. */
export async function resolveKey(db: D1Database, key: string | undefined): Promise<ApiKey> {
  if (!key || key.length > 200) throw unauthorized('A valid API key is required')
  const now = Date.now()
  let hit = cache.get(key)
  if (!hit || hit.until < now) {
    hit = { key: await findApiKey(db, key), until: now + CACHE_MS }
    if (cache.size > 1000) cache.clear()
    cache.set(key, hit)
  }
  if (!hit.key) throw unauthorized('Unknown or revoked API key')
  return hit.key
}

/** Drops a revoked key from this isolate's cache at once; other isolates drop it within CACHE_MS. */
export function forgetKey(keyId: string): void {
  for (const [secret, hit] of cache) if (hit.key?.keyId === keyId) cache.delete(secret)
}

export const KEY_CACHE_SECONDS = CACHE_MS / 1000

export function assertWriteKey(key: ApiKey): ApiKey {
  if (key.kind !== 'write') throw unauthorized('This endpoint takes the project write key')
  return key
}

/**
 * CS and admin API: a secret key as `Authorization: Bearer`. Read keys may only read;
 * anything that changes state needs an admin key.
 */
export const secretKeyAuth = createMiddleware<AppEnv>(async function secretKeyAuth(c, next) {
  const key = await resolveKey(c.env.DB, keyFromAuthorization(c.req.header('authorization')))
  if (key.kind === 'write') throw unauthorized('The write key is public; use a secret key for this API')
  const reads = c.req.method === 'GET' || c.req.method === 'HEAD'
  if (!reads && key.kind !== 'admin') throw new ApiError(403, 'forbidden', 'This key is read-only')
  c.set('apiKey', key)
  await next()
})
