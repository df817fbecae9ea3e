import { scoringConfigBodySchema, scoringConfigResponseSchema, scoringConfigSavedSchema } from '../../../shared/api/scoring'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { loadScoringConfig, saveScoringConfig } from './config-store'
import { DEFAULT_CONFIG } from './defaults'

/** Admin API: the scoring model (profiles, weights, anchors, bands, segments, rules). Runs are jobs/ (same prefix). */
export const scoringAdminRoutes = createRouter()

const tags = ['scoring']

scoringAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/config',
    tags,
    summary: "The project's scoring model, with the defaults beside it",
    security: auth.read,
    request: { query: querySchema({}) },
    responses: { 200: jsonResponse(scoringConfigResponseSchema, 'The config in use (the defaults until one is saved)'), ...errorResponses() },
  }),
  async (c) => {
    const { version, config } = await loadScoringConfig(c.env.DB, c.var.apiKey.projectId)
    return c.json({ version, config, defaults: DEFAULT_CONFIG }, 200)
  },
)

scoringAdminRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/config',
    tags,
    summary: 'Replace the scoring model; scores computed after it name its version',
    security: auth.admin,
    request: { query: querySchema({}), body: jsonBody(scoringConfigBodySchema) },
    responses: { 200: jsonResponse(scoringConfigSavedSchema, 'Saved; `version` is a hash of the config'), ...errorResponses(403) },
  }),
  async (c) => {
    const config = c.req.valid('json')
    const version = await saveScoringConfig(c.env.DB, c.var.apiKey.projectId, config, Date.now())
    return c.json({ version, config }, 200)
  },
)
