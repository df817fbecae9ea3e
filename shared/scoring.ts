/**
 * The scoring model's configuration (docs/scoring.md defaults, every number editable per project and per
 * segment profile), the leading-indicator rule language, segments and outcomes. snake_case like the rest of
 * the CS/admin API; a config stored before 0.2 with camelCase keys is read through `snakeKeys`.
 */
// zod as extended by @hono/zod-openapi: zod 4 gives a schema `.openapi()` only if it is built after the extension
import { z } from '@hono/zod-openapi'
import { OUTCOME_KINDS } from './constants'

export const anchorSchema = z
  .object({
    poor: z.number(),
    healthy: z.number(),
    min: z.number().optional(),
    cap: z.number().optional(),
    lower_is_better: z.boolean().default(false),
  })
  .refine((a) => (a.lower_is_better ? a.poor > a.healthy : a.poor < a.healthy), { message: 'poor must be worse than healthy' })
export type Anchor = z.output<typeof anchorSchema>

export const ACCOUNT_MEASURES = [
  'seat_activation',
  'hau_share',
  'feature_breadth',
  'value_realisation',
  'momentum',
  'version_lag',
  'nps',
] as const
export type AccountMeasureKey = (typeof ACCOUNT_MEASURES)[number]

const measureConfig = z.object({ weight: z.number().min(0).max(100), anchor: anchorSchema })

/**
 * A fitted score → churn-risk curve (docs/scoring.md §18): predicted churn risk = 1 / (1 + e^−(intercept + per_point · score)).
 * Red from `red_at` up, yellow from `yellow_at`, green below; per_point < 0, so a higher score is always less risk.
 */
export const riskCurveSchema = z
  .object({
    intercept: z.number().min(-100).max(100),
    per_point: z.number().min(-10).lt(0),
    red_at: z.number().gt(0).lt(1),
    yellow_at: z.number().gt(0).lt(1),
  })
  .refine((r) => r.yellow_at < r.red_at, { message: 'yellow_at must be below red_at' })
export type RiskCurve = z.output<typeof riskCurveSchema>

/** Predicted churn risk of a 0–100 score under a risk curve. */
export const predictedRisk = (risk: Pick<RiskCurve, 'intercept' | 'per_point'>, score: number) =>
  1 / (1 + Math.exp(-(risk.intercept + risk.per_point * score)))

/**
 * The band cut-offs a risk curve implies for scores on the 0.1 grid: `score < red` ⇔ risk ≥ red_at and
 * `score < green` ⇔ risk ≥ yellow_at (the crossing, floored to 0.1, plus 0.1), kept within 0–100.
 */
export function riskBands(risk: RiskCurve): { red: number; green: number } {
  const cut = (p: number) => {
    const at = (Math.log(p / (1 - p)) - risk.intercept) / risk.per_point
    return Math.min(100, Math.max(0, (Math.floor(at * 10 + 1e-9) + 1) / 10))
  }
  return { red: cut(risk.red_at), green: cut(risk.yellow_at) }
}

const pct = (p: number) => `${Math.round(p * 1000) / 10}%`

/** The band rule in words, e.g. "red: predicted churn risk ≥ 41% (score < 50.1); …"; score cut-offs alone without a risk curve. */
export function bandRule(profile: Pick<ScoringProfile, 'bands' | 'risk'>): string {
  const { red, green } = profile.bands
  if (!profile.risk) return `red: score < ${red}; yellow: ${red}–${green}; green: score ≥ ${green} (score cut-offs, no fitted churn risk)`
  const { red_at, yellow_at } = profile.risk
  return `red: predicted churn risk ≥ ${pct(red_at)} (score < ${red}); yellow: ${pct(yellow_at)}–${pct(red_at)} (score ${red}–${green}); green: < ${pct(yellow_at)} (score ≥ ${green})`
}

export const scoringProfileSchema = z
  .object({
    measures: z.record(z.enum(ACCOUNT_MEASURES), measureConfig),
    bands: z
      .object({ red: z.number().min(0).max(100), green: z.number().min(0).max(100), hysteresis: z.number().min(0).max(20) })
      .refine((b) => b.red < b.green, { message: 'red must be below green' }),
    /** Share of the total weight that must be present, else `insufficient_data` (docs/scoring.md §5). */
    min_present_weight: z.number().min(0).max(1),
    /** Active days in 28 that make a user a highly active user (Gainsight HAU). */
    hau_days: z.number().int().min(1).max(28),
    /** Optional fitted churn-risk curve: when set, the band cut-offs must be the ones it implies (`riskBands`). */
    risk: riskCurveSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (!p.risk) return
    const want = riskBands(p.risk)
    for (const b of ['red', 'green'] as const)
      if (Math.abs(p.bands[b] - want[b]) > 1e-9)
        ctx.addIssue({
          code: 'custom',
          path: ['bands', b],
          message: `with a risk curve bands.${b} must be ${want[b]}, where predicted churn risk crosses ${b === 'red' ? 'red_at' : 'yellow_at'}`,
        })
  })
export type ScoringProfile = z.output<typeof scoringProfileSchema>

// ---- leading-indicator rules -------------------------------------------------------------
export const RULE_METRICS = [
  'features_used',
  'core_features_used',
  'core_features_total',
  'event_count',
  'active_users',
  'active_days',
  'logins',
  'value_events',
  'health_score',
  'releases_behind',
  'account_age_days',
  'seats_used_ratio',
] as const
export type RuleMetric = (typeof RULE_METRICS)[number]

export const conditionSchema = z
  .object({
    metric: z.enum(RULE_METRICS),
    /** Event name, for `event_count`. */
    event: z.string().min(1).max(200).optional(),
    op: z.enum(['<', '<=', '>', '>=', '==']),
    value: z.number(),
    /** Window in days: the last N days, or the first N days of the account's life. */
    window: z.object({ days: z.number().int().min(1).max(365), from: z.enum(['now', 'start']).default('now') }).optional(),
  })
  .refine((c) => c.metric !== 'event_count' || !!c.event, { message: 'event_count needs an event name', path: ['event'] })
export type Condition = z.output<typeof conditionSchema>

export const indicatorRuleSchema = z.object({
  key: z.string().regex(/^[a-z0-9_.-]{1,64}$/),
  name: z.string().min(1).max(200),
  kind: z.enum(['risk', 'opportunity']),
  /** Only accounts in this segment; all when absent. */
  segment: z.string().max(64).optional(),
  /** Every condition must hold. */
  all: z.array(conditionSchema).min(1).max(10),
  critical: z.boolean().default(false),
})
export type IndicatorRule = z.output<typeof indicatorRuleSchema>

// ---- segments ----------------------------------------------------------------------------
export const attributeConditionSchema = z.object({
  attribute: z.string().min(1).max(64),
  op: z.enum(['<', '<=', '>', '>=', '==', '!=', 'in']),
  value: z.union([z.number(), z.string(), z.array(z.union([z.number(), z.string()])).max(50)]),
})
export const segmentSchema = z.object({
  key: z.string().regex(/^[a-z0-9_.-]{1,64}$/),
  name: z.string().min(1).max(200),
  /** Every condition must hold; segments are tried in order and the first match wins. */
  all: z.array(attributeConditionSchema).max(10),
  /** Profile overrides for this segment (weights, anchors, bands). */
  profile: z.string().max(64).optional(),
})
export type Segment = z.output<typeof segmentSchema>

export const scoringConfigSchema = z.object({
  profiles: z
    .record(z.string().regex(/^[a-z0-9_.-]{1,64}$/), scoringProfileSchema)
    .refine((p) => 'default' in p, { message: 'a "default" profile is required' }),
  segments: z.array(segmentSchema).max(50),
  rules: z.array(indicatorRuleSchema).max(100),
  /** Latest app version; when absent the highest version seen in the project is used. */
  latest_version: z.string().max(64).optional(),
  /** Minimum accounts in each 2x2 cell before a retained-vs-churned figure is reported. */
  min_cell_count: z.number().int().min(1).max(1000),
})
export type ScoringConfig = z.output<typeof scoringConfigSchema>

// ---- outcomes and attributes -------------------------------------------------------------
export const outcomeSchema = z.object({
  kind: z.enum(OUTCOME_KINDS),
  date: z.iso.date(),
  amount: z.number().finite().optional(),
})
export type Outcome = z.output<typeof outcomeSchema>

/** Admin-owned account attributes (PATCH /api/v1/accounts/:id): null removes one. */
export const accountAttributesSchema = z
  .object({
    name: z.string().max(200),
    arr: z.number().min(0).nullable(),
    seats: z.number().int().min(0).nullable(),
    employees: z.number().int().min(0).nullable(),
    plan: z.string().max(100).nullable(),
    renewal_date: z.iso.date().nullable(),
    owner: z.string().max(200).nullable(),
    tier: z.string().max(64).nullable(),
    parent_id: z.string().max(200).nullable(),
    nps: z.number().min(-100).max(100).nullable(),
  })
  .partial()
export type AccountAttributes = z.output<typeof accountAttributesSchema>
