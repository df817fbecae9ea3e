import { BANDS, type Band } from '../../../shared/constants'
import { ACCOUNT_MEASURES, type AccountMeasureKey } from '../../../shared/scoring'
import { round3 as r3, roundTo } from '../lib/round'
import { aucWithSe, brierScore, calibrationTable, wilsonInterval, type CalibrationBin } from '../lib/stats'

/** One account with a recorded outcome, scored as of N days before it. */
export interface BacktestRow {
  churned: boolean
  /** Health score 0–100, or null when data was insufficient. */
  score: number | null
  band: Band
  /** Predicted churn probability, when the model states one. */
  probability?: number | null
  /** Each measure's normalised 0–100 score; null or absent when missing. */
  measures?: Partial<Record<AccountMeasureKey, number | null>>
}

export interface BandOutcome {
  accounts: number
  churned: number
  churn_rate: number | null
  /** Wilson 95% interval of the churn rate. */
  ci95: [number, number] | null
}

export interface AucFigure {
  auc: number
  se: number
  accounts: number
}

export interface BacktestReport {
  accounts: number
  churned: number
  churn_rate: number | null
  /** P(a churned account scored lower than a kept one), ties half: 0.5 is a coin flip. */
  auc: AucFigure | null
  bands: Record<BacktestRow['band'], BandOutcome>
  /** Deciles of predicted churn probability: mean predicted vs observed churn rate. */
  calibration: CalibrationBin[] | null
  brier: number | null
  /** Each measure alone, on the accounts where it is present: does the composite beat its parts? */
  measures: ({ measure: AccountMeasureKey } & (AucFigure | { auc: null; se: null; accounts: number }))[]
}

const r4 = (x: number) => roundTo(x, 4)

/** AUC of a health-like value against churn: lower values should mean churn. */
function churnAuc(values: (number | null | undefined)[], churned: boolean[]): AucFigure | null {
  const idx = values.flatMap((v, i) => (v === null || v === undefined ? [] : [i]))
  const r = aucWithSe(
    idx.map((i) => -(values[i] as number)),
    idx.map((i) => churned[i]),
  )
  return r ? { auc: r3(r.auc), se: r3(r.se), accounts: idx.length } : null
}

/** How well a model's scores, bands and probabilities would have predicted the recorded outcomes. Pure. */
export function backtestReport(rows: readonly BacktestRow[]): BacktestReport {
  const churned = rows.map((r) => r.churned)
  const nChurned = churned.filter(Boolean).length
  const bands = Object.fromEntries(
    BANDS.map((b) => {
      const inBand = rows.filter((r) => r.band === b)
      const c = inBand.filter((r) => r.churned).length
      const ci = wilsonInterval(c, inBand.length)
      return [
        b,
        {
          accounts: inBand.length,
          churned: c,
          churn_rate: inBand.length ? r3(c / inBand.length) : null,
          ci95: ci ? [r3(ci[0]), r3(ci[1])] : null,
        },
      ]
    }),
  ) as Record<BacktestRow['band'], BandOutcome>
  const withP = rows.filter((r) => typeof r.probability === 'number')
  const present = new Set(rows.flatMap((r) => Object.keys(r.measures ?? {}))) as Set<AccountMeasureKey>
  return {
    accounts: rows.length,
    churned: nChurned,
    churn_rate: rows.length ? r3(nChurned / rows.length) : null,
    auc: churnAuc(
      rows.map((r) => r.score),
      churned,
    ),
    bands,
    calibration: withP.length
      ? calibrationTable(
          withP.map((r) => r.probability as number),
          withP.map((r) => r.churned),
        ).map((b) => ({
          ...b,
          predicted_min: r4(b.predicted_min),
          predicted_max: r4(b.predicted_max),
          mean_predicted: r4(b.mean_predicted),
          observed_rate: r4(b.observed_rate),
        }))
      : null,
    brier: withP.length
      ? r4(
          brierScore(
            withP.map((r) => r.probability as number),
            withP.map((r) => r.churned),
          )!,
        )
      : null,
    measures: ACCOUNT_MEASURES.filter((m) => present.has(m)).map((m) => {
      const values = rows.map((r) => r.measures?.[m])
      return {
        measure: m,
        ...(churnAuc(values, churned) ?? { auc: null, se: null, accounts: values.filter((v) => v !== null && v !== undefined).length }),
      }
    }),
  }
}
