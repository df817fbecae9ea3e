/**
 * The scoring contract: `/api/v1/health/*` (health scores with explanations), `/api/v1/scoring/*` (the model's
 * config, runs). snake_case. The model's config is shared/scoring.ts; this file names it and defines the
 * responses, including the stored health explanation (`explanation_json`), parsed with `accountExplanationSchema`.
 */
import { z } from '@hono/zod-openapi'
import { BANDS } from '../constants'
import { ACCOUNT_MEASURES, scoringConfigSchema } from '../scoring'

const NOW = '2026-05-04T03:17:00.000Z'

export const bandSchema = z
  .enum(BANDS)
  .openapi('Band', { description: 'Health band; `insufficient_data` when too little of the model has data' })
const measureKey = z.enum(ACCOUNT_MEASURES)
const nullableNumber = z.number().nullable()

// ---- the stored explanation of one account's score ------------------------------------------------------

/** One measure of an account's score: raw value, its 0–100 score, and its exact share of the total. */
export const measureExplanationSchema = z
  .object({
    key: measureKey,
    label: z.string(),
    raw: nullableNumber.openapi({ description: 'Raw value in `unit`; null when its data is missing' }),
    unit: z.string(),
    window: z.string(),
    detail: z.string(),
    thresholds: z.object({ poor: z.number(), healthy: z.number() }),
    score: nullableNumber,
    band: z.enum(['red', 'yellow', 'green']).nullable(),
    weight: z.number(),
    share: z.number(),
    contribution: z.number().openapi({ description: 'Points of the total score this measure gives; contributions sum to the score' }),
    points_lost: z.number().openapi({ description: 'Points below 100 this measure costs; they sum to 100 − score' }),
    segment_percentile: nullableNumber
      .optional()
      .openapi({ description: 'Mid-rank percentile of `raw` in the segment; null under 20 accounts' }),
  })
  .openapi('MeasureExplanation', {
    example: {
      key: 'seat_activation',
      label: 'Seat activation',
      raw: 0.6,
      unit: 'ratio',
      window: '28d',
      detail: '6/10 licensed seats active',
      thresholds: { poor: 0.5, healthy: 0.8 },
      score: 50,
      band: 'yellow',
      weight: 25,
      share: 0.25,
      contribution: 12.5,
      points_lost: 12.5,
    },
  })
export type MeasureExplanation = z.infer<typeof measureExplanationSchema>

export const driverSchema = z.object({ measure: measureKey, points: z.number(), sentence: z.string() }).openapi('Driver', {
  example: {
    measure: 'momentum',
    points: 14.2,
    sentence: 'Usage momentum: active user-days 40 vs 90 (-56%) (30d vs prior 30d; healthy ≥ -0.05) costs 14.2 points',
  },
})
export type Driver = z.infer<typeof driverSchema>

export const trendSchema = z
  .object({
    delta7: nullableNumber,
    delta30: nullableNumber,
    arrow: z.enum(['up', 'down', 'flat']).nullable(),
    slope_per_week: nullableNumber.openapi({ description: 'Least-squares slope of the daily score over 30 days, points per week' }),
  })
  .openapi('Trend', { example: { delta7: -2.5, delta30: -16, arrow: 'down', slope_per_week: -3.7 } })
export type Trend = z.infer<typeof trendSchema>

export const pesSchema = z
  .object({ adoption: nullableNumber, stickiness: nullableNumber, growth: nullableNumber, pes: nullableNumber })
  .openapi('ProductEngagement', {
    description: 'Pendo-style product engagement score (0–100 parts)',
    example: { adoption: 45.5, stickiness: 38.2, growth: 66.7, pes: 50.1 },
  })
export type Pes = z.infer<typeof pesSchema>

export const usageMetricsSchema = z
  .object({
    active_users_7d: z.number(),
    active_users_28d: z.number(),
    logins_30d: z.number(),
    time_in_product_hours_30d: z.number(),
    stickiness: nullableNumber.openapi({ description: 'Mean active days per active user over 30 days, / 30' }),
    value_events_30d: z.number(),
    value_events_prev_30d: z.number(),
    value_amount_30d: z.number(),
    value_amount_prev_30d: z.number(),
    value_trend: nullableNumber,
  })
  .openapi('UsageMetrics', {
    example: {
      active_users_7d: 4,
      active_users_28d: 6,
      logins_30d: 52,
      time_in_product_hours_30d: 31.5,
      stickiness: 0.42,
      value_events_30d: 120,
      value_events_prev_30d: 100,
      value_amount_30d: 5400,
      value_amount_prev_30d: 4900,
      value_trend: 0.2,
    },
  })
export type UsageMetrics = z.infer<typeof usageMetricsSchema>

/** A leading-indicator rule that fired for an account, with the metric values that made it fire. */
export const firedRuleSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    kind: z.enum(['risk', 'opportunity']),
    critical: z.boolean(),
    values: z.record(z.string(), z.number()),
  })
  .openapi('FiredRule', {
    example: {
      key: 'no_activity_14d',
      name: 'No meaningful activity by anyone in 14 days',
      kind: 'risk',
      critical: true,
      values: { active_days: 0 },
    },
  })
export type FiredRule = z.infer<typeof firedRuleSchema>

/** The explanation stored with each account's latest score (`account_scores.explanation_json`). */
export const accountExplanationSchema = z.object({
  measures: z.array(measureExplanationSchema),
  risk_drivers: z.array(driverSchema),
  health_drivers: z.array(driverSchema),
  present_weight_share: z.number(),
  trend: trendSchema,
  pes: pesSchema,
  metrics: usageMetricsSchema,
  churn_reasons: z.array(z.string()),
  app_version: z.string().nullable(),
  /** Written since calibration (issue 12): absent in explanations stored before. */
  predicted_risk: nullableNumber.optional(),
  band_rule: z.string().optional(),
})
export type AccountExplanation = z.infer<typeof accountExplanationSchema>

/** One measure of a user's adoption score (frequency, breadth, value, recency, momentum). */
export const userMeasureSchema = z
  .object({ key: z.string(), score: z.number(), weight: z.number(), share: z.number(), contribution: z.number(), points_lost: z.number() })
  .openapi('UserMeasure', { example: { key: 'frequency', score: 70, weight: 30, share: 0.3, contribution: 21, points_lost: 9 } })
export type UserMeasure = z.infer<typeof userMeasureSchema>

// ---- /api/v1/health ------------------------------------------------------------------------------

export const accountIdParams = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'globex' }),
})
export const userIdParams = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'u_42' }),
})

const SUMMARY_EXAMPLE = {
  account_id: 'globex',
  name: 'Globex',
  score: 31.4,
  band: 'red',
  pending_band: null,
  segment: 'low_touch',
  churn_risk: true,
  churn_reasons: ['health band red', 'renewal in 41 days and not green'],
  delta30: -16,
  trend: { delta7: -2.5, delta30: -16, arrow: 'down', slope_per_week: -3.7 },
  top_risk: 'Usage momentum: active user-days 40 vs 90 (-56%) (30d vs prior 30d; healthy ≥ -0.05) costs 14.2 points',
  flags: [
    {
      key: 'no_activity_14d',
      name: 'No meaningful activity by anyone in 14 days',
      kind: 'risk',
      critical: true,
      values: { active_days: 0 },
    },
  ],
  computed_at: NOW,
} as const

/**
 * One account in a ranking. Parts read from the stored explanation (`churn_reasons`, `trend`, `top_risk`) are null
 * when it was written by an older model version, until the next scoring run.
 */
export const accountHealthSummarySchema = z
  .object({
    account_id: z.string(),
    name: z.string().nullable(),
    score: nullableNumber,
    band: bandSchema,
    pending_band: bandSchema.nullable().openapi({ description: 'A different band seen but not yet confirmed on a second day' }),
    segment: z.string().nullable(),
    churn_risk: z.boolean(),
    churn_reasons: z.array(z.string()).nullable(),
    delta30: nullableNumber,
    trend: trendSchema.nullable(),
    top_risk: z.string().nullable(),
    flags: z.array(firedRuleSchema),
    computed_at: z.iso.datetime(),
  })
  .openapi('AccountHealthSummary', { example: SUMMARY_EXAMPLE })
export type AccountHealthSummary = z.infer<typeof accountHealthSummarySchema>

const bool = z.enum(['true', 'false'])

/** Ranking filters, shared by the JSON ranking and its CSV export (whose `limit` defaults to 1000). */
export const rankingQueryShape = {
  sort: z
    .enum(['risk', 'health'])
    .default('risk')
    .openapi({ description: '`risk`: churn risk first, then lowest score; `health`: best first' }),
  band: bandSchema.optional(),
  segment: z.string().max(64).optional(),
  rule: z.string().max(64).optional().openapi({ description: 'Only accounts for which this rule fired' }),
  churn_risk: bool.optional(),
  include_churned: bool.default('false').openapi({ description: 'Keep accounts whose latest outcome is a churn' }),
}

/** Portfolio filters beside the ranking's: whose accounts (JSON and CSV alike). */
export const portfolioQueryShape = {
  owner: z.string().min(1).max(200).optional().openapi({
    description:
      "Only accounts whose `owner` attribute names this member: a member id or email (case-insensitive), `me` (the signed-in key's member), or `none` (no owner)",
  }),
}

/** The JSON ranking's own parameter: the CSV has no sparkline column. */
export const sparklineQueryShape = {
  sparkline: bool
    .default('false')
    .openapi({ description: '`true`: each item gets `history_90d`, its daily score over the 90 days up to the latest run' }),
}

/** Days in a portfolio sparkline. */
export const SPARKLINE_DAYS = 90

const PORTFOLIO_EXAMPLE = {
  ...SUMMARY_EXAMPLE,
  owner: 'dana@ledgerly.test',
  arr: 9600,
  renewal_date: '2026-06-14',
  last_active: '2026-05-02',
  open_alerts: 2,
} as const

/** One account in the portfolio: the ranking row plus who owns it, what it is worth, when it renews, its open alerts. */
export const accountPortfolioItemSchema = accountHealthSummarySchema
  .extend({
    owner: z.string().nullable().openapi({ description: "The account's `owner` attribute (a member's email or id), as an admin set it" }),
    arr: nullableNumber.openapi({ description: 'The `arr` attribute' }),
    renewal_date: z.iso.date().nullable().openapi({ description: 'The `renewal_date` attribute' }),
    last_active: z.iso.date().nullable().openapi({ description: 'Last day any user of the account did something meaningful' }),
    open_alerts: z.number().int().openapi({ description: 'Alerts to work: open, or snoozed until a time that has passed' }),
    history_90d: z.array(nullableNumber).length(SPARKLINE_DAYS).optional().openapi({
      description: 'With `sparkline=true`: daily scores, oldest first, ending on the latest run day; null where none was stored',
    }),
  })
  .openapi('AccountPortfolioItem', { example: PORTFOLIO_EXAMPLE })
export type AccountPortfolioItem = z.infer<typeof accountPortfolioItemSchema>

export const accountRankingSchema = z
  .object({ sort: z.enum(['risk', 'health']), items: z.array(accountPortfolioItemSchema) })
  .openapi('AccountRanking', { example: { sort: 'risk', items: [PORTFOLIO_EXAMPLE] } })

/** Header of `GET /api/v1/health/accounts.csv`; one row per item of the same ranking in JSON. */
export const ACCOUNT_CSV_COLUMNS = [
  'account_id',
  'name',
  'score',
  'band',
  'segment',
  'churn_risk',
  'delta30',
  'top_risk',
  'churn_reasons',
  'flags',
  'computed_at',
  'owner',
  'arr',
  'renewal_date',
  'last_active',
  'open_alerts',
] as const

export const featureStateSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    core: z.boolean(),
    state: z.enum(['never_tried', 'tried', 'adopted', 'lapsed']).openapi({
      description: 'adopted: used on ≥ 3 days in the last 30; tried: used in 30 days, less; lapsed: used before, not in 30 days',
    }),
    uses: z.number(),
    users_30d: z.number(),
    first_used: z.iso.date().nullable(),
    last_used: z.iso.date().nullable(),
    days_to_first_use: nullableNumber,
  })
  .openapi('AccountFeatureState', {
    example: {
      key: 'report.export',
      name: 'Export a report',
      core: true,
      state: 'adopted',
      uses: 41,
      users_30d: 3,
      first_used: '2026-02-02',
      last_used: '2026-05-03',
      days_to_first_use: 4,
    },
  })

export const scoreSnapshotSchema = z.object({
  day: z.iso.date(),
  model_version: z.string(),
  score: nullableNumber,
  band: bandSchema,
  segment: z.string().nullable(),
})

export const accountHealthDetailSchema = accountHealthSummarySchema
  .extend({
    profile: z.string(),
    model_version: z.string(),
    data_fresh_until: z.iso.datetime().nullable(),
    explanation: z
      .object({
        measures: z.array(measureExplanationSchema),
        risk_drivers: z.array(driverSchema),
        health_drivers: z.array(driverSchema),
        present_weight_share: z.number(),
      })
      .nullable(),
    pes: pesSchema.nullable(),
    metrics: usageMetricsSchema.nullable(),
    app_version: z.string().nullable(),
    predicted_risk: nullableNumber.openapi({
      description:
        "Predicted churn risk (0–1) of the score under the profile's fitted risk curve; null without one (or before the next run)",
    }),
    band_rule: z
      .string()
      .nullable()
      .openapi({ description: 'How the band was decided, in words, e.g. "red: predicted churn risk ≥ 41% (score < 50.1); …"' }),
    history: z.array(scoreSnapshotSchema).openapi({ description: 'Daily snapshots of the last 90 days, oldest first' }),
    users: z.array(
      z.object({ user_id: z.string(), score: nullableNumber, profile: z.string(), measures: z.array(userMeasureSchema).nullable() }),
    ),
    features: z.array(featureStateSchema),
  })
  .openapi('AccountHealth', {
    example: {
      ...SUMMARY_EXAMPLE,
      profile: 'default',
      model_version: 'v-3f9a1c2b7d10',
      data_fresh_until: NOW,
      explanation: { measures: [], risk_drivers: [], health_drivers: [], present_weight_share: 1 },
      pes: { adoption: 45.5, stickiness: 38.2, growth: 66.7, pes: 50.1 },
      metrics: null,
      app_version: '3.2.0',
      predicted_risk: 0.47,
      band_rule: 'red: predicted churn risk ≥ 41% (score < 50.1); yellow: 21%–41% (score 50.1–58.8); green: < 21% (score ≥ 58.8)',
      history: [{ day: '2026-05-03', model_version: 'v-3f9a1c2b7d10', score: 33, band: 'red', segment: 'low_touch' }],
      users: [],
      features: [],
    },
  })

export const userHealthSchema = z
  .object({
    user_id: z.string(),
    account_id: z.string().nullable(),
    score: nullableNumber,
    profile: z.string(),
    measures: z.array(userMeasureSchema).nullable(),
    computed_at: z.iso.datetime(),
  })
  .openapi('UserHealth', {
    example: {
      user_id: 'u_42',
      account_id: 'globex',
      score: 62.5,
      profile: 'adopted',
      measures: [{ key: 'frequency', score: 70, weight: 30, share: 0.3, contribution: 21, points_lost: 9 }],
      computed_at: NOW,
    },
  })

export const featureAdoptionListSchema = z
  .object({
    window_days: z.number(),
    features: z.array(
      z.object({
        key: z.string(),
        name: z.string(),
        kind: z.enum(['feature', 'value', 'login']),
        core: z.boolean(),
        accounts_30d: z.number(),
        users_30d: z.number(),
        uses_30d: z.number(),
      }),
    ),
  })
  .openapi('FeatureAdoption', {
    example: {
      window_days: 30,
      features: [
        { key: 'report.export', name: 'Export a report', kind: 'feature', core: true, accounts_30d: 12, users_30d: 40, uses_30d: 388 },
      ],
    },
  })

export const benchmarkSchema = z.object({
  n: z.number(),
  p25: nullableNumber,
  p50: nullableNumber,
  p75: nullableNumber,
  p90: nullableNumber,
})

export const segmentSummaryListSchema = z
  .object({
    segments: z.array(
      z.object({
        segment: z.string(),
        accounts: z.number(),
        mean_score: nullableNumber,
        bands: z.record(bandSchema, z.number()),
        churn_risk: z.number().openapi({ description: 'Accounts at churn risk' }),
        pes: pesSchema,
        benchmarks: z.record(z.string(), benchmarkSchema).openapi({ description: 'Raw-value distribution per measure' }),
      }),
    ),
  })
  .openapi('SegmentSummaries', {
    example: {
      segments: [
        {
          segment: 'high_touch',
          accounts: 24,
          mean_score: 71.3,
          bands: { green: 14, yellow: 7, red: 2, insufficient_data: 1 },
          churn_risk: 3,
          pes: { adoption: 52.1, stickiness: 40.3, growth: 61, pes: 51.1 },
          benchmarks: { seat_activation: { n: 23, p25: 0.55, p50: 0.7, p75: 0.85, p90: 0.95 } },
        },
      ],
    },
  })

// ---- GET /api/v1/health/movers and /api/v1/health/indicators ----------------------------------------

export const MOVER_DAYS = ['7', '30'] as const

export const moversQueryShape = {
  days: z.enum(MOVER_DAYS).default('7').openapi({ description: 'Compare the latest score with the one this many days before it' }),
}

export const scoreMoverSchema = z
  .object({
    account_id: z.string(),
    name: z.string().nullable(),
    score: z.number(),
    previous_score: z.number(),
    previous_day: z.iso
      .date()
      .openapi({ description: 'Day of the snapshot compared with (the latest on or up to 3 days before `days` ago)' }),
    delta: z.number().openapi({ description: '`score − previous_score`' }),
    band: bandSchema,
    previous_band: bandSchema,
    reason: z.string().openapi({ description: 'The measures whose share of the score moved most in that direction' }),
  })
  .openapi('ScoreMover', {
    example: {
      account_id: 'globex',
      name: 'Globex',
      score: 31.4,
      previous_score: 47.9,
      previous_day: '2026-04-26',
      delta: -16.5,
      band: 'red',
      previous_band: 'yellow',
      reason: 'Down 16.5 points in 7 days, mostly usage momentum (−9.8) and seat activation (−4.1)',
    },
  })
export type ScoreMover = z.infer<typeof scoreMoverSchema>

export const scoreMoversSchema = z
  .object({ days: z.number().int(), items: z.array(scoreMoverSchema) })
  .openapi('ScoreMovers', { description: 'Largest absolute moves first' })

/** One leading-indicator rule of the current config and how many accounts it flags on their latest score. */
export const indicatorSummarySchema = z
  .object({
    key: z.string(),
    name: z.string(),
    kind: z.enum(['risk', 'opportunity']),
    critical: z.boolean(),
    segment: z.string().nullable().openapi({ description: 'Only accounts of this segment; null: all' }),
    description: z.string().openapi({ description: 'Its conditions in words' }),
    accounts: z.number().int().openapi({ description: 'Accounts it fired for on their latest score (churned accounts left out)' }),
  })
  .openapi('IndicatorSummary', {
    example: {
      key: 'no_activity_14d',
      name: 'No meaningful activity by anyone in 14 days',
      kind: 'risk',
      critical: true,
      segment: null,
      description: 'active days = 0 in the last 14 days',
      accounts: 3,
    },
  })

export const indicatorSummaryListSchema = z
  .object({
    model_version: z.string(),
    scored_accounts: z.number().int().openapi({ description: 'Accounts with a latest score (churned accounts left out)' }),
    rules: z.array(indicatorSummarySchema),
  })
  .openapi('IndicatorSummaries')

// ---- /api/v1/scoring -----------------------------------------------------------------------------

const CONFIG_EXAMPLE = {
  profiles: {
    default: {
      measures: {
        seat_activation: { weight: 60, anchor: { poor: 0.5, healthy: 0.8, min: 0, cap: 1, lower_is_better: false } },
        version_lag: { weight: 40, anchor: { poor: 4, healthy: 2, min: 8, cap: 0, lower_is_better: true } },
      },
      bands: { red: 40, green: 70, hysteresis: 5 },
      min_present_weight: 0.6,
      hau_days: 10,
    },
  },
  segments: [{ key: 'high_touch', name: 'High touch (ARR ≥ 50k)', all: [{ attribute: 'arr', op: '>=', value: 50000 }] }],
  rules: [
    {
      key: 'no_activity_14d',
      name: 'No meaningful activity by anyone in 14 days',
      kind: 'risk',
      critical: true,
      all: [{ metric: 'active_days', op: '==', value: 0, window: { days: 14, from: 'now' } }],
    },
  ],
  min_cell_count: 5,
} as const

export const scoringConfigBodySchema = scoringConfigSchema.openapi('ScoringConfig', { example: CONFIG_EXAMPLE })

export const scoringConfigResponseSchema = z
  .object({
    version: z.string().openapi({ description: 'Hash of the config: scores name the version that computed them' }),
    config: scoringConfigBodySchema,
    defaults: scoringConfigBodySchema,
  })
  .openapi('ScoringConfigWithDefaults', { example: { version: 'v-3f9a1c2b7d10', config: CONFIG_EXAMPLE, defaults: CONFIG_EXAMPLE } })

export const scoringConfigSavedSchema = z
  .object({ version: z.string(), config: scoringConfigBodySchema })
  .openapi('ScoringConfigSaved', { example: { version: 'v-3f9a1c2b7d10', config: CONFIG_EXAMPLE } })

// ---- /api/v1/scoring/run and /runs ----------------------------------------------------------------

export const scoringRunBodySchema = z
  .strictObject({
    at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Score as of this time (a past day, up to 365 days back, backfills); default now' }),
  })
  .openapi('ScoringRunRequest', { example: { at: '2026-04-20T12:00:00Z' } })

const RUN_SUMMARY_EXAMPLE = {
  project_id: 'demo',
  day: '2026-05-04',
  backfill: false,
  model_version: 'v-3f9a1c2b7d10',
  accounts: 120,
  users: 1480,
  alerts: 3,
  rows_read: 48210,
  load_ms: 310,
  compute_ms: 95,
  ms: 520,
}

export const scoringRunSummarySchema = z
  .object({
    project_id: z.string(),
    day: z.iso.date(),
    backfill: z.boolean(),
    model_version: z.string(),
    accounts: z.number().int(),
    users: z.number().int(),
    alerts: z.number().int(),
    rows_read: z.number(),
    load_ms: z.number(),
    compute_ms: z.number(),
    ms: z.number(),
  })
  .openapi('ScoringRunSummary', { example: RUN_SUMMARY_EXAMPLE })
export type ScoringRunSummary = z.infer<typeof scoringRunSummarySchema>

export const RUN_KINDS = ['daily', 'manual', 'backfill'] as const
export const RUN_STATUSES = ['running', 'ok', 'failed', 'skipped'] as const

export const scoringRunSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(RUN_KINDS),
    status: z.enum(RUN_STATUSES),
    as_of: z.iso.date(),
    started_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
    error: z.string().nullable(),
    summary: z
      .union([scoringRunSummarySchema, z.strictObject({})])
      .openapi({ description: 'The run summary; `{}` for a run that did not finish' }),
  })
  .openapi('ScoringRun', {
    example: {
      id: 412,
      kind: 'daily',
      status: 'ok',
      as_of: '2026-05-04',
      started_at: NOW,
      finished_at: '2026-05-04T03:17:01.000Z',
      error: null,
      summary: RUN_SUMMARY_EXAMPLE,
    },
  })

export const scoringRunListSchema = z.object({ runs: z.array(scoringRunSchema) }).openapi('ScoringRuns')

// ---- GET /api/v1/scoring/backtest ---------------------------------------------------------------------

const interval = z.tuple([z.number(), z.number()]).nullable()
const aucSchema = z.object({ auc: z.number(), se: z.number(), accounts: z.number().int() })
const bandOutcomeSchema = z.object({
  accounts: z.number().int(),
  churned: z.number().int(),
  churn_rate: nullableNumber,
  ci95: interval.openapi({ description: 'Wilson 95% interval of the churn rate' }),
})

export const backtestReportSchema = z
  .object({
    accounts: z.number().int(),
    churned: z.number().int(),
    churn_rate: nullableNumber,
    auc: aucSchema.nullable().openapi({ description: 'P(a churned account scored lower than a kept one), ties half: 0.5 is a coin flip' }),
    bands: z.record(bandSchema, bandOutcomeSchema),
    calibration: z
      .array(
        z.object({
          bin: z.number().int(),
          n: z.number().int(),
          predicted_min: z.number(),
          predicted_max: z.number(),
          mean_predicted: z.number(),
          observed_rate: z.number(),
        }),
      )
      .nullable()
      .openapi({ description: 'Deciles of predicted churn probability; null while the model states none' }),
    brier: nullableNumber,
    measures: z
      .array(z.object({ measure: measureKey, auc: nullableNumber, se: nullableNumber, accounts: z.number().int() }))
      .openapi({ description: 'Each measure alone: does the composite beat its parts?' }),
  })
  .openapi('BacktestReport')
export type BacktestReportWire = z.infer<typeof backtestReportSchema>

export const scoringBacktestSchema = z
  .object({
    days_before: z.number().int(),
    model_version: z.string(),
    method: z.string(),
    scored: z.number().int().openapi({ description: 'Accounts with a recorded outcome, scored as of `days_before` days before it' }),
    not_yet_seen: z.number().int().openapi({ description: 'Accounts first seen after their as-of day' }),
    left_out: z.number().int().openapi({ description: 'Accounts whose as-of day is older than the 60 most recent as-of days' }),
    report: backtestReportSchema,
  })
  .openapi('ScoringBacktest', {
    example: {
      days_before: 60,
      model_version: 'v-3f9a1c2b7d10',
      method: 'latest outcome per account; scored as of days_before days before its date with the current config',
      scored: 2,
      not_yet_seen: 0,
      left_out: 0,
      report: {
        accounts: 2,
        churned: 1,
        churn_rate: 0.5,
        auc: null,
        bands: {
          red: { accounts: 1, churned: 1, churn_rate: 1, ci95: [0.207, 1] },
          yellow: { accounts: 0, churned: 0, churn_rate: null, ci95: null },
          green: { accounts: 1, churned: 0, churn_rate: 0, ci95: [0, 0.793] },
          insufficient_data: { accounts: 0, churned: 0, churn_rate: null, ci95: null },
        },
        calibration: null,
        brier: null,
        measures: [{ measure: 'seat_activation', auc: 1, se: 0, accounts: 2 }],
      },
    },
  })
