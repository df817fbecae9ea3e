import {
  scoringBacktestSchema,
  scoringConfigBodySchema,
  scoringConfigResponseSchema,
  scoringConfigSavedSchema,
} from '../../../shared/api/scoring'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { MAX_AS_OF_DAYS, projectBacktest } from './backtest-run'
import { loadScoringConfig, saveScoringConfig } from './config-store'
import { DEFAULT_CONFIG } from './defaults'

/** Admin API: the scoring model (profiles, weights, anchors, bands, segments, rules) and its backtest. Runs are jobs/ (same prefix). */
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
    responses: {
      200: jsonResponse(scoringConfigResponseSchema, 'The config in use (the defaults until one is saved)'),
      ...errorResponses(),
    },
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

scoringAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/backtest',
    tags,
    summary: "How well the current model would have predicted the project's own renewals",
    description:
      'Every account with a recorded outcome (its latest) is scored as of `days_before` days before the outcome date with the current config, from the ' +
      'rollups up to that day; the report gives the AUC of the score against churn, churn rate per band with Wilson intervals, and the AUC of each measure ' +
      `alone. Writes nothing. At most the ${MAX_AS_OF_DAYS} most recent as-of days are scored per request (\`left_out\` counts the rest).`,
    security: auth.read,
    request: { query: querySchema({ days_before: intParam(0, 365).default(60) }) },
    responses: { 200: jsonResponse(scoringBacktestSchema, 'The backtest'), ...errorResponses() },
  }),
  async (c) => {
    const { days_before } = c.req.valid('query')
    const b = await projectBacktest(c.env.DB, c.var.apiKey.projectId, days_before)
    return c.json(
      {
        days_before: b.daysBefore,
        model_version: b.modelVersion,
        method: `latest outcome per account (churned vs renewed, expanded or contracted); scored as of ${b.daysBefore} days before its date with the current config (${b.modelVersion}), band hysteresis replayed from the snapshots before that day`,
        scored: b.scored,
        not_yet_seen: b.notYetSeen,
        left_out: b.leftOut,
        report: b.report,
      },
      200,
    )
  },
)
