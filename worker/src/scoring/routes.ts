import {
  calibrateBodySchema,
  calibrationSchema,
  configVersionListSchema,
  scoringConfigAppliedSchema,
  type CalibrationSummary,
} from '../../../shared/api/calibration'
import { scoringBacktestSchema, scoringConfigBodySchema, scoringConfigResponseSchema } from '../../../shared/api/scoring'
import { scoringConfigSchema, type ScoringConfig } from '../../../shared/scoring'
import { ApiError } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { L2_GRID } from '../lib/stats'
import { MAX_AS_OF_DAYS, projectBacktest } from './backtest-run'
import { calibrate, MIN_OUTCOMES_PER_CLASS } from './calibrate'
import { configVersion, listConfigVersions, loadScoringConfig, saveCalibrationProposal, saveScoringConfig } from './config-store'
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
    description:
      "A config that is exactly one `POST /api/v1/scoring/calibrate` proposed (same version) is recorded as `calibrated` with the fit's summary " +
      '(`GET /api/v1/scoring/versions`); any other as `manual`.',
    security: auth.admin,
    request: { query: querySchema({}), body: jsonBody(scoringConfigBodySchema) },
    responses: {
      200: jsonResponse(
        scoringConfigAppliedSchema,
        'Saved; `version` is a hash of the config, `source` says whether it is a calibration applied unchanged',
      ),
      ...errorResponses(403),
    },
  }),
  async (c) => {
    const config = c.req.valid('json')
    const saved = await saveScoringConfig(c.env.DB, c.var.apiKey.projectId, config, Date.now())
    return c.json(
      { version: saved.version, config, source: saved.source, calibration: saved.calibration as CalibrationSummary | null },
      200,
    )
  },
)

scoringAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/versions',
    tags,
    summary: 'The scoring configs the project applied, newest first, and which were calibrated',
    security: auth.read,
    request: { query: querySchema({ limit: intParam(1, 200).default(50) }) },
    responses: { 200: jsonResponse(configVersionListSchema, 'Config versions'), ...errorResponses() },
  }),
  async (c) => {
    const rows = await listConfigVersions(c.env.DB, c.var.apiKey.projectId, c.req.valid('query').limit)
    return c.json(
      {
        versions: rows.map((r) => ({
          version: r.version,
          created_at: new Date(r.created_at).toISOString(),
          current: r.current,
          source: r.source,
          calibration: r.calibration as CalibrationSummary | null,
        })),
      },
      200,
    )
  },
)

scoringAdminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/calibrate',
    tags,
    summary: "Propose a config fitted to the project's own renewals, with its cross-validated backtest beside the current one's",
    description:
      "Scores every account with a recorded outcome as of `days_before` days before it (as the backtest does), fits the default profile's measure " +
      'weights by L2-regularised logistic regression (λ by cross-validated log-loss unless `l2` is given), fits churn risk on the new score and sets ' +
      'the band cut-offs where the predicted risk crosses 1.5× and 0.75× the observed churn rate (`risk` in the profile). Changes nothing: apply the ' +
      `proposed config with \`PUT /api/v1/scoring/config\`. 422 \`too_few_outcomes\` under ${MIN_OUTCOMES_PER_CLASS} churned or ` +
      `${MIN_OUTCOMES_PER_CLASS} renewed scored accounts (details say how many more of each), 422 \`no_signal\` when nothing separates them.`,
    security: auth.admin,
    request: { query: querySchema({}), body: jsonBody(calibrateBodySchema) },
    responses: { 200: jsonResponse(calibrationSchema, 'The proposal; nothing is changed'), ...errorResponses(403, 422) },
  }),
  async (c) => {
    const { days_before, folds, l2 } = c.req.valid('json')
    const { projectId } = c.var.apiKey
    const [b, { config }] = await Promise.all([projectBacktest(c.env, projectId, days_before), loadScoringConfig(c.env.DB, projectId)])
    const current = config.profiles.default
    const r = calibrate(b.outcomes, current, { k: folds, seed: 1, grid: l2 === undefined ? L2_GRID : [l2] })
    if (!r.ok) {
      if (r.reason === 'too_few_outcomes')
        throw new ApiError(422, 'too_few_outcomes', r.message, {
          churned: r.churned,
          renewed: r.renewed,
          needed: r.needed,
          days_before,
          not_yet_seen: b.notYetSeen,
          left_out: b.leftOut,
        })
      throw new ApiError(422, 'no_signal', r.message)
    }
    // parsed as PUT will parse it, so the version below is the one PUT gives it
    const proposed: ScoringConfig = scoringConfigSchema.parse({ ...config, profiles: { ...config.profiles, default: r.profile } })
    const version = await configVersion(proposed)
    const churned = b.outcomes.filter((o) => o.churned).length
    const summary: CalibrationSummary = {
      fitted_at: new Date().toISOString(),
      based_on_version: b.modelVersion,
      days_before,
      accounts: b.outcomes.length,
      churned,
      renewed: b.outcomes.length - churned,
      l2: r.l2,
      weights: Object.fromEntries(r.weights.map((w) => [w.measure, { from: w.from, to: w.to }])),
      band_rule: r.risk.statement,
      cv_auc: { current: r.backtest.current.auc?.auc ?? null, proposed: r.backtest.proposed.auc?.auc ?? null },
    }
    await saveCalibrationProposal(c.env.DB, projectId, version, summary, Date.now())
    const { statement, ...risk } = r.risk
    return c.json(
      {
        days_before,
        model_version: b.modelVersion,
        method:
          `latest outcome per account (churned vs renewed, expanded or contracted), scored as of ${days_before} days before its date from the rollups up to that day; ` +
          "the default profile's weights fitted on every scored account's measure scores (whatever profile scored it); other profiles unchanged",
        scored: b.scored,
        not_yet_seen: b.notYetSeen,
        left_out: b.leftOut,
        proposed: {
          version,
          config: proposed,
          band_rule: statement,
          risk,
          weights: r.weights,
          changes: r.changes,
          l2: r.l2,
          cv_log_loss: r.cv_log_loss,
        },
        backtest: r.backtest,
        notes: r.notes,
        apply: `PUT /api/v1/scoring/config with proposed.config: it becomes version ${version}, recorded as calibrated; nothing changes until then.`,
      },
      200,
    )
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
    const b = await projectBacktest(c.env, c.var.apiKey.projectId, days_before)
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
