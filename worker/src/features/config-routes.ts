import { cors } from 'hono/cors'
import { configQueryShape, widgetConfigSchema, type WidgetConfig } from '../../../shared/api/features'
import { assertWriteKey, keyFromAuthorization, resolveKey } from '../http/auth'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { toHex } from '../lib/hash'
import { hasActiveNudges } from '../nudges'
import { loadProjectSettings } from '../projects'
import { listFeatures } from './store'
import { widgetConfig } from './widget-config'

/** Public widget config, by write key: small, and cacheable at the edge for a minute. */
export const configRoutes = createRouter()

configRoutes.use('*', cors({ origin: '*', maxAge: 86400 }))

/** A short strong validator of the exact bytes served (https://www.rfc-editor.org/rfc/rfc9110#name-etag). */
async function etagOf(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(body)))
  return `"${toHex(digest.slice(0, 12))}"`
}

const configRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['widget'],
  summary: "The widget's config: client-side feature rules, capture settings, and whether any nudge is live",
  description: 'Cacheable for a minute; answers 304 to `If-None-Match` with the current `ETag`.',
  security: auth.write,
  request: { query: querySchema(configQueryShape) },
  responses: {
    200: jsonResponse(widgetConfigSchema, 'The config (camelCase: the widget wire)'),
    304: { description: 'Unchanged since the `ETag` sent' },
    ...errorResponses(),
  },
})

configRoutes.openapi(configRoute, async (c) => {
  const key = assertWriteKey(
    await resolveKey(c.env.DB, c.req.valid('query').writeKey ?? keyFromAuthorization(c.req.header('authorization'))),
  )
  const [features, settings, nudges] = await Promise.all([
    listFeatures(c.env.DB, key.projectId),
    loadProjectSettings(c.env.DB, key.projectId),
    hasActiveNudges(c.env.DB, key.projectId),
  ])
  const config: WidgetConfig = widgetConfig(features, settings, nudges)
  const etag = await etagOf(JSON.stringify(config))
  c.header('Cache-Control', 'public, max-age=60, stale-while-revalidate=600')
  c.header('ETag', etag)
  if (c.req.header('if-none-match') === etag) return c.body(null, 304)
  return c.json(config, 200)
})
