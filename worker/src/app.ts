import { OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { secretKeyAuth } from './http/auth'
import type { AppEnv } from './http/env'
import { bodyTooLarge, renderError } from './http/errors'
import { contractHook } from './http/openapi'
import { noQuery } from './http/validate'
import { alertRoutes } from './alerts'
import { authoringRoutes, builderRoutes, featureHistoryRoutes, nudgeHistoryRoutes } from './authoring'
import { accountRoutes, userRoutes } from './accounts'
import { configRoutes } from './features'
import { demoRoutes } from './demo'
import { consoleRoutes } from './console'
import { featureRoutes } from './features'
import { healthRoutes } from './scoring'
import { identityRoutes } from './projects'
import { deadLetterRoutes, ingestRoutes, ingestStatusRoutes } from './ingest'
import { nudgeDecisionRoutes } from './nudges'
import { nudgeRoutes } from './nudges'
import { outcomeRoutes, renewalRoutes, retentionRoutes } from './renewals'
import { jobRoutes } from './jobs'
import { keyRoutes } from './projects'
import { noteRoutes } from './notes'
import { timelineRoutes } from './timeline'
import { meRoutes, memberRoutes } from './projects'
import { projectRoutes } from './projects'
import { scoringAdminRoutes } from './scoring'
import { settingsRoutes } from './projects'
import { widgetErrorRoutes } from './projects'

/** Admin, CS and public read bodies; ingest keeps its own 500 KB batch limit. */
export const MAX_API_BODY_BYTES = 64 * 1024
const INGEST_PATH = /^\/v1\/(?!config(\/|$)|nudges(\/|$)|authoring(\/|$))/

/** Version of the public API contract (0.x: fields may still change; see README "API changes"). */
export const API_VERSION = '0.2.0'

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: contractHook as never })
  app.onError(renderError)
  const apiBodyLimit = bodyLimit({
    maxSize: MAX_API_BODY_BYTES,
    onError: () => {
      throw bodyTooLarge(MAX_API_BODY_BYTES)
    },
  })
  app.use('*', (c, next) => (INGEST_PATH.test(c.req.path) ? next() : apiBodyLimit(c, next)))
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No endpoint ${c.req.method} ${c.req.path}` } }, 404))

  app.get('/', (c) => c.redirect('/demo'))
  app.get('/healthz', (c) => c.json({ ok: true }))
  app.route('/v1/config', configRoutes)
  app.route('/v1/nudges', nudgeDecisionRoutes)
  app.route('/v1/authoring', builderRoutes)
  app.route('/v1', ingestRoutes)
  app.route('/demo', demoRoutes)
  app.route('/dashboard', consoleRoutes)

  // the operator's project endpoint takes the deployment secret, not a project key: mounted before secretKeyAuth
  app.route('/api/v1/projects', projectRoutes)
  // the contract is public (the /api/docs page reads it), so it is registered before secretKeyAuth; built per request
  registerContract(app)

  const api = new OpenAPIHono<AppEnv>({ defaultHook: contractHook as never })
  api.use('*', secretKeyAuth)
  api.route('/accounts', accountRoutes)
  api.route('/accounts', outcomeRoutes)
  api.route('/accounts', noteRoutes)
  api.route('/accounts', timelineRoutes)
  api.route('/users', userRoutes)
  api.route('/health', healthRoutes)
  api.route('/health', retentionRoutes)
  api.route('/renewals', renewalRoutes)
  api.route('/scoring', scoringAdminRoutes)
  api.route('/scoring', jobRoutes)
  api.route('/ingest', ingestStatusRoutes)
  api.route('/ingest', deadLetterRoutes)
  api.route('/nudges', nudgeRoutes)
  api.route('/nudges', nudgeHistoryRoutes)
  api.route('/authoring', authoringRoutes)
  api.route('/alerts', alertRoutes)
  api.route('/features', featureRoutes)
  api.route('/features', featureHistoryRoutes)
  api.route('/settings', settingsRoutes)
  api.route('/identity', identityRoutes)
  api.route('/widget-errors', widgetErrorRoutes)
  api.route('/keys', keyRoutes)
  api.route('/me', meRoutes)
  api.route('/members', memberRoutes)
  app.route('/api/v1', api)
  return app
}

/** The OpenAPI 3.1 document of every route above, with the three key kinds as security schemes. */
function registerContract(app: OpenAPIHono<AppEnv>) {
  const schemes = app.openAPIRegistry
  schemes.registerComponent('securitySchemes', 'writeKey', {
    type: 'http',
    scheme: 'basic',
    description: "The project's public write key as the Basic user name (Segment's scheme), or `writeKey` in the body.",
  })
  schemes.registerComponent('securitySchemes', 'readKey', { type: 'http', scheme: 'bearer', description: 'A read key (`rk_…`): GET only.' })
  schemes.registerComponent('securitySchemes', 'adminKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An admin key (`sk_…`): reads and changes.',
  })
  schemes.registerComponent('securitySchemes', 'authoringSession', {
    type: 'http',
    scheme: 'bearer',
    description: 'An authoring session token (`as_…`), from an authoring link exchanged in the product page: the builder API only.',
  })
  schemes.registerComponent('securitySchemes', 'operatorKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'The deployment operator secret (`UPTAKE_OPERATOR_KEY`), for creating projects.',
  })
  // strict like every route: a query parameter it does not take is a 400, never silently ignored
  app.use('/api/v1/openapi.json', noQuery)
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Uptake API',
      version: API_VERSION,
      description:
        'Ingest (Segment HTTP Tracking API, camelCase) and the CS/admin API (snake_case). Errors: `{ error: { code, message, details? } }`.',
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    },
  })
}
