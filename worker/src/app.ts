import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { secretKeyAuth } from './http/auth'
import type { AppEnv } from './http/env'
import { bodyTooLarge, renderError } from './http/errors'
import { accountAdminRoutes } from './accounts'
import { alertRoutes } from './alerts'
import { accountRoutes } from './accounts'
import { configRoutes } from './features'
import { demoRoutes } from './demo'
import { accountErasureRoutes, userErasureRoutes } from './accounts'
import { featureRoutes } from './features'
import { healthRoutes } from './scoring'
import { identityRoutes } from './projects'
import { ingestRoutes } from './ingest'
import { nudgeDecisionRoutes } from './nudges'
import { nudgeRoutes } from './nudges'
import { outcomeRoutes } from './renewals'
import { keyRoutes } from './projects'
import { projectRoutes } from './projects'
import { scoringAdminRoutes } from './scoring'
import { settingsRoutes } from './projects'
import { widgetErrorRoutes } from './ingest'

/** Admin, CS and public read bodies; ingest keeps its own 500 KB batch limit. */
export const MAX_API_BODY_BYTES = 64 * 1024
const INGEST_PATH = /^\/v1\/(?!config(\/|$)|nudges(\/|$))/

export function createApp() {
  const app = new Hono<AppEnv>()
  app.onError(renderError)
  const apiBodyLimit = bodyLimit({ maxSize: MAX_API_BODY_BYTES, onError: () => { throw bodyTooLarge(MAX_API_BODY_BYTES) } })
  app.use('*', (c, next) => (INGEST_PATH.test(c.req.path) ? next() : apiBodyLimit(c, next)))
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No endpoint ${c.req.method} ${c.req.path}` } }, 404))

  app.get('/', (c) => c.redirect('/demo'))
  app.get('/healthz', (c) => c.json({ ok: true }))
  app.route('/v1/config', configRoutes)
  app.route('/v1/nudges', nudgeDecisionRoutes)
  app.route('/v1', ingestRoutes)
  app.route('/demo', demoRoutes)

  // the operator's project endpoint takes the deployment secret, not a project key: mounted before secretKeyAuth
  app.route('/api/v1/projects', projectRoutes)

  const api = new Hono<AppEnv>()
  api.use('*', secretKeyAuth)
  api.route('/accounts', accountRoutes)
  api.route('/accounts', accountAdminRoutes)
  api.route('/accounts', outcomeRoutes)
  api.route('/accounts', accountErasureRoutes)
  api.route('/users', userErasureRoutes)
  api.route('/health', healthRoutes)
  api.route('/scoring', scoringAdminRoutes)
  api.route('/nudges', nudgeRoutes)
  api.route('/alerts', alertRoutes)
  api.route('/features', featureRoutes)
  api.route('/settings', settingsRoutes)
  api.route('/identity', identityRoutes)
  api.route('/widget-errors', widgetErrorRoutes)
  api.route('/keys', keyRoutes)
  app.route('/api/v1', api)
  return app
}
