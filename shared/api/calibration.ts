/**
 * The calibration contract (issue 12): `POST /api/v1/scoring/calibrate` proposes a config fitted to the project's own
 * renewals, `GET /api/v1/scoring/versions` lists the configs applied and which were calibrated. snake_case.
 */
import { z } from '@hono/zod-openapi'
import { ACCOUNT_MEASURES } from '../scoring'
import { backtestReportSchema, scoringConfigBodySchema } from './scoring'

export const calibrateBodySchema = z
  .strictObject({
    days_before: z
      .number()
      .int()
      .min(0)
      .max(365)
      .default(60)
      .openapi({ description: 'Each account is scored as of this many days before its latest outcome' }),
    folds: z.number().int().min(3).max(10).default(5).openapi({ description: 'Cross-validation folds, for λ and for the backtest' }),
    l2: z
      .number()
      .min(1e-4)
      .max(1e4)
      .optional()
      .openapi({ description: 'Fix the ridge penalty λ instead of choosing it from {0.01, 0.1, 1, 10, 100} by cross-validated log-loss' }),
  })
  .openapi('CalibrateRequest', { example: { days_before: 60, folds: 5 } })

const measureKey = z.enum(ACCOUNT_MEASURES)

/** What is kept of a fit with the proposal, and shown again in config history once it is applied. */
export const calibrationSummarySchema = z
  .object({
    fitted_at: z.iso.datetime(),
    based_on_version: z.string(),
    days_before: z.number().int(),
    accounts: z.number().int(),
    churned: z.number().int(),
    renewed: z.number().int(),
    l2: z.number(),
    weights: z.record(z.string(), z.object({ from: z.number(), to: z.number() })),
    band_rule: z.string(),
    cv_auc: z.object({ current: z.number().nullable(), proposed: z.number().nullable() }),
  })
  .openapi('CalibrationSummary')
export type CalibrationSummary = z.infer<typeof calibrationSummarySchema>

export const calibrationSchema = z
  .object({
    days_before: z.number().int(),
    model_version: z.string().openapi({ description: 'The version in use, which the proposal would replace' }),
    method: z.string(),
    scored: z.number().int(),
    not_yet_seen: z.number().int(),
    left_out: z.number().int(),
    proposed: z.object({
      version: z.string().openapi({
        description: 'The version `PUT /api/v1/scoring/config` gives this config; applied unchanged it is recorded as calibrated',
      }),
      config: scoringConfigBodySchema,
      band_rule: z.string(),
      risk: z.object({ intercept: z.number(), per_point: z.number(), red_at: z.number(), yellow_at: z.number() }),
      weights: z.array(
        z.object({
          measure: measureKey,
          coefficient_per_point: z.number().nullable(),
          from: z.number(),
          to: z.number(),
          why: z.string(),
        }),
      ),
      changes: z.array(z.object({ path: z.string(), from: z.number(), to: z.number(), why: z.string() })),
      l2: z.number(),
      cv_log_loss: z.array(z.object({ l2: z.number(), log_loss: z.number() })),
    }),
    backtest: z.object({ method: z.string(), current: backtestReportSchema, proposed: backtestReportSchema }),
    notes: z.array(z.string()),
    apply: z.string(),
  })
  .openapi('Calibration')

export const configVersionListSchema = z
  .object({
    versions: z.array(
      z.object({
        version: z.string(),
        created_at: z.iso.datetime(),
        current: z.boolean(),
        source: z.enum(['manual', 'calibrated']),
        calibration: calibrationSummarySchema.nullable(),
      }),
    ),
  })
  .openapi('ScoringConfigVersions', {
    example: {
      versions: [{ version: 'v-3f9a1c2b7d10', created_at: '2026-05-04T03:17:00.000Z', current: true, source: 'manual', calibration: null }],
    },
  })

/** `PUT /api/v1/scoring/config`'s answer: the saved version and whether it is a calibration proposal applied unchanged. */
export const scoringConfigAppliedSchema = z
  .object({
    version: z.string(),
    config: scoringConfigBodySchema,
    source: z.enum(['manual', 'calibrated']),
    calibration: calibrationSummarySchema.nullable(),
  })
  .openapi('ScoringConfigApplied')
