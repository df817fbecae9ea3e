import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { z } from 'zod'
import { assertWriteKey, keyFromAuthorization, resolveKey } from '../http/auth'
import { widgetConfig } from './widget-config'
import { listFeatures } from './store'
import { hasActiveNudges } from '../nudges'
import { loadProjectSettings } from '../projects'
import type { AppEnv } from '../http/env'
import { validateQuery } from '../http/validate'

/** Public widget config, by write key: small, and cacheable at the edge for a minute. */
export const configRoutes = new Hono<AppEnv>()

configRoutes.use('*', cors({ origin: '*', maxAge: 86400 }))

configRoutes.get('/', validateQuery({ writeKey: z.string().max(200).optional() }), async (c) => {
  const key = assertWriteKey(await resolveKey(c.env.DB, c.req.valid('query').writeKey ?? keyFromAuthorization(c.req.header('authorization'))))
  const [features, settings, nudges] = await Promise.all([
    listFeatures(c.env.DB, key.projectId),
    loadProjectSettings(c.env.DB, key.projectId),
    hasActiveNudges(c.env.DB, key.projectId),
  ])
  const body = JSON.stringify(widgetConfig(features, settings, nudges))
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(body))
  const etag = `"${[...new Uint8Array(digest)].slice(0, 12).map((b) => b.toString(16).padStart(2, '0')).join('')}"`
  c.header('Cache-Control', 'public, max-age=60, stale-while-revalidate=600')
  c.header('ETag', etag)
  if (c.req.header('if-none-match') === etag) return c.body(null, 304)
  return c.body(body, 200, { 'Content-Type': 'application/json' })
})
