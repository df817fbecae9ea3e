import { settingsBodySchema, settingsResponseSchema } from '../../../shared/api/projects'
import { ApiError } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { identitySecrets } from './identity-store'
import { settingsFromBody, settingsToBody } from './settings'
import { loadProjectSettings, saveProjectSettings } from './settings-store'

/** Admin API: project settings (capture switches, nudge caps and theme, alert webhook, protected attributes, identity). */
export const settingsRoutes = createRouter()

const tags = ['projects']

const read = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: "The project's settings, defaults filled in",
  security: auth.read,
  request: { query: querySchema({}) },
  responses: { 200: jsonResponse(settingsResponseSchema, 'The settings'), ...errorResponses() },
})

settingsRoutes.openapi(read, async (c) =>
  c.json({ settings: settingsToBody(await loadProjectSettings(c.env.DB, c.var.apiKey.projectId)) }, 200),
)

const replace = createRoute({
  method: 'put',
  path: '/',
  tags,
  summary: 'Replace the settings (a section or field left out takes its default)',
  description: '409 `identity_secret_missing` when `identity.verification` is `required` before the identity secret exists.',
  security: auth.admin,
  request: { query: querySchema({}), body: jsonBody(settingsBodySchema) },
  responses: { 200: jsonResponse(settingsResponseSchema, 'The settings as stored'), ...errorResponses(403, 409, 415) },
})

settingsRoutes.openapi(replace, async (c) => {
  const settings = settingsFromBody(c.req.valid('json'))
  // required verification without a secret would silence every user's nudges
  if (settings.identity.verification === 'required' && !(await identitySecrets(c.env.DB, c.var.apiKey.projectId, Date.now())).length) {
    throw new ApiError(409, 'identity_secret_missing', 'Create the identity secret first: POST /api/v1/identity/secret')
  }
  await saveProjectSettings(c.env.DB, c.var.apiKey.projectId, settings)
  return c.json({ settings: settingsToBody(settings) }, 200)
})
