/**
 * The renewals contract: renewal outcomes of an account (`/api/v1/accounts/{id}/outcomes`), which features
 * predict renewal (`/api/v1/health/retention`) and the renewals coming up (`/api/v1/renewals`). snake_case. The outcome body is shared/scoring.ts's.
 */
import { z } from '@hono/zod-openapi'
import { BANDS, OUTCOME_KINDS } from '../constants'
import { outcomeSchema } from '../scoring'
import { accountIdParams } from './scoring'

export { accountIdParams }

export const outcomeBodySchema = outcomeSchema.openapi('OutcomeInput', { example: { kind: 'renewed', date: '2026-01-15', amount: 12000 } })

const OUTCOME = { id: 17, kind: 'renewed', date: '2026-01-15', amount: 12000, created_at: '2026-01-16T09:30:00.000Z' } as const

export const outcomeResponseSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(OUTCOME_KINDS),
    date: z.iso.date(),
    amount: z.number().nullable(),
    created_at: z.iso.datetime().openapi({ description: 'When it was recorded' }),
  })
  .openapi('Outcome', { example: OUTCOME })

export const outcomeRecordedSchema = z
  .object({
    account_id: z.string(),
    outcome: outcomeResponseSchema,
    created: z.boolean().openapi({ description: 'false: this outcome was already recorded (the stored one is returned)' }),
  })
  .openapi('OutcomeRecorded', { example: { account_id: 'globex', outcome: OUTCOME, created: true } })

export const outcomeListSchema = z
  .object({ outcomes: z.array(outcomeResponseSchema) })
  .openapi('Outcomes', { example: { outcomes: [OUTCOME] } })

/** The outcome id is checked by the handler: a spelling that is not a plain decimal id matches nothing (404). */
export const outcomeParams = accountIdParams.extend({
  outcome_id: z.string().openapi({ param: { name: 'outcome_id', in: 'path' }, example: '17' }),
})

// ---- GET /api/v1/health/retention ---------------------------------------------------------------------

export const RETENTION_LABELS = ['highly predictive', 'predictive', 'predicts churn', 'not significant', 'insufficient_sample'] as const

const nullableNumber = z.number().nullable()
const interval = z.tuple([z.number(), z.number()]).nullable()

export const adjustedAssociationSchema = z.object({
  odds_ratio: nullableNumber.openapi({
    description: 'Mantel–Haenszel odds ratio of retention, used vs not, within activity strata; null if 0 or infinite',
  }),
  ci95: interval,
  p_value: z.number().openapi({ description: 'CMH test (continuity-corrected), before the correction for multiple features' }),
  strata: z.number().int(),
})
export type AdjustedAssociation = z.infer<typeof adjustedAssociationSchema>

export const retentionRowSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    core: z.boolean(),
    n11: z.number().int().openapi({ description: 'Accounts that used it and were retained' }),
    n10: z.number().int().openapi({ description: 'Used it and churned' }),
    n01: z.number().int().openapi({ description: 'Did not use it and were retained' }),
    n00: z.number().int().openapi({ description: 'Did not use it and churned' }),
    phi: nullableNumber,
    phi_ci95: interval,
    ppv: nullableNumber,
    npv: nullableNumber,
    lift: nullableNumber,
    coverage: z.number(),
    p_value: nullableNumber.openapi({ description: "Fisher's exact two-sided p of the raw 2x2" }),
    adjusted: adjustedAssociationSchema.nullable(),
    q_value: nullableNumber.openapi({
      description: 'Benjamini–Hochberg adjusted p of the activity-adjusted test, across the features tested',
    }),
    label: z.enum(RETENTION_LABELS),
  })
  .openapi('FeatureRetention', {
    example: {
      key: 'report.export',
      name: 'Export a report',
      core: true,
      n11: 30,
      n10: 4,
      n01: 12,
      n00: 14,
      phi: 0.43,
      phi_ci95: [0.2, 0.62],
      ppv: 0.882,
      npv: 0.538,
      lift: 1.26,
      coverage: 0.567,
      p_value: 0.00131,
      adjusted: { odds_ratio: 6.2, ci95: [1.9, 20.4], p_value: 0.0042, strata: 5 },
      q_value: 0.021,
      label: 'highly predictive',
    },
  })
export type RetentionRow = z.infer<typeof retentionRowSchema>

export const retentionReportSchema = z
  .object({
    question: z.string(),
    method: z.string(),
    label_rule: z.string(),
    fdr: z.number(),
    accounts_with_outcomes: z.number().int(),
    features: z.array(retentionRowSchema),
    caveat: z.string(),
  })
  .openapi('RetentionReport')

// ---- GET /api/v1/renewals -------------------------------------------------------------------------------

export const RENEWAL_WINDOWS = ['30', '90', '180'] as const

export const upcomingRenewalsQueryShape = {
  within_days: z.enum(RENEWAL_WINDOWS).default('90').openapi({ description: 'Renewals from today to this many days ahead' }),
}

export const upcomingRenewalSchema = z
  .object({
    account_id: z.string(),
    name: z.string().nullable(),
    renewal_date: z.iso.date(),
    days_left: z.number().int(),
    arr: nullableNumber,
    score: nullableNumber,
    band: z.enum(BANDS).nullable().openapi({ description: 'Null when the account has no score yet' }),
    segment: z.string().nullable(),
    owner: z.string().nullable(),
    at_risk: z.boolean().openapi({ description: 'Renewing while not green (no score counts as not green)' }),
  })
  .openapi('UpcomingRenewal')

const arrBlock = {
  accounts: z.number().int(),
  arr: z.number().openapi({ description: 'Sum of `arr` (accounts without one count 0)' }),
  arr_at_risk: z.number().openapi({ description: 'ARR of the accounts at risk' }),
}

export const upcomingRenewalsSchema = z
  .object({
    within_days: z.number().int(),
    items: z.array(upcomingRenewalSchema).openapi({ description: 'Soonest first, at most `limit`' }),
    by_segment: z.array(z.object({ segment: z.string(), ...arrBlock })).openapi({ description: 'Most ARR at risk first' }),
    totals: z.object(arrBlock),
    truncated: z.boolean().openapi({ description: 'More renewals than one answer adds up (10,000): totals cover the soonest' }),
  })
  .openapi('UpcomingRenewals', {
    example: {
      within_days: 90,
      items: [
        {
          account_id: 'globex',
          name: 'Globex',
          renewal_date: '2026-06-14',
          days_left: 41,
          arr: 9600,
          score: 31.4,
          band: 'red',
          segment: 'low_touch',
          owner: 'dana@ledgerly.test',
          at_risk: true,
        },
      ],
      by_segment: [{ segment: 'low_touch', accounts: 1, arr: 9600, arr_at_risk: 9600 }],
      totals: { accounts: 1, arr: 9600, arr_at_risk: 9600 },
      truncated: false,
    },
  })
