import { bandRule, predictedRisk, riskBands, type AccountMeasureKey, type RiskCurve, type ScoringProfile } from '../../../shared/scoring'
import { round2 as r2 } from '../lib/round'
import { chooseL2, fitLogistic, L2_GRID, predictLogistic, stratifiedFolds, type LogisticModel } from '../lib/stats'
import { backtestReport, type BacktestReport, type BacktestRow } from './backtest'
import { combine } from './explain'
import { rawBand } from './normalise'

/**
 * Calibration of the explainable score on the project's own renewals (docs/scoring.md §18, Gainsight's Scorecard
 * Optimizer): a regularised logistic fit of churn on the measures' 0–100 scores gives the weights, a
 * one-variable fit of churn on the resulting score gives a churn probability, and the band cut-offs are
 * the scores at which that probability crosses stated risks. Weights are per score point on the common
 * 0–100 scale, so w_i ∝ −β_i makes the weighted sum the fitted log-odds up to scale. Pure and deterministic.
 */
export interface OutcomeScores {
  account_id: string
  churned: boolean
  /** Each measure's normalised 0–100 score as of N days before the outcome; null or absent when missing. */
  scores: Partial<Record<AccountMeasureKey, number | null>>
}

export const MIN_OUTCOMES_PER_CLASS = 30

export interface CalibrateOptions {
  minPerClass?: number
  /** Folds for choosing λ and for the cross-validated backtest. */
  k?: number
  seed?: number
  grid?: readonly number[]
  /** Red from this predicted churn risk up (default 1.5 × the observed churn rate). */
  redRisk?: number
  /** Green below this predicted churn risk (default 0.75 × the observed churn rate). */
  yellowRisk?: number
  /** Measures present for fewer accounts than this share keep their current share of the weight. */
  minPresentShare?: number
  profileName?: string
}

/** The fitted curve as the config stores it (`profiles.*.risk`), with the band rule in words. */
export type RiskModel = RiskCurve & { statement: string }

export interface WeightChange {
  measure: AccountMeasureKey
  /** Fitted change in churn log-odds per score point (negative = protective); null when not fitted. */
  coefficient_per_point: number | null
  from: number
  to: number
  why: string
}

export interface ConfigChange {
  path: string
  from: number
  to: number
  why: string
}

export interface Proposal {
  profile: ScoringProfile
  risk: RiskModel
  weights: WeightChange[]
  l2: number
  cv_log_loss: { l2: number; log_loss: number }[]
}

export type CalibrationResult =
  | {
      ok: false
      reason: 'too_few_outcomes'
      churned: number
      renewed: number
      needed: { churned: number; renewed: number }
      message: string
    }
  | { ok: false; reason: 'no_signal'; message: string }
  | (Proposal & {
      ok: true
      changes: ConfigChange[]
      backtest: { method: string; current: BacktestReport; proposed: BacktestReport }
      notes: string[]
    })

const pct = (x: number) => `${Math.round(x * 100)}%`
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/** The explainable weighted score of one account under `profile` (missing measures redistribute, docs/scoring.md §5). */
export function scoreOf(profile: ScoringProfile, scores: OutcomeScores['scores']): number | null {
  const ms = Object.entries(profile.measures).map(([key, cfg]) => ({
    key,
    weight: cfg.weight,
    score: scores[key as AccountMeasureKey] ?? null,
  }))
  return combine(ms, profile.min_present_weight).score
}

/** Predicted churn probability of a score. */
export const churnProbability = predictedRisk

/** Integers summing to `total` in proportion to `parts` (largest remainder, ties to the earlier part). */
function apportionIntegers(parts: number[], total: number): number[] {
  const sum = parts.reduce((a, b) => a + b, 0)
  if (sum <= 0) return parts.map(() => 0)
  const exact = parts.map((p) => (p / sum) * total)
  const out = exact.map(Math.floor)
  const order = exact.map((e, i) => [e - out[i], i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (let k = 0, missing = total - out.reduce((a, b) => a + b, 0); k < missing; k++) out[order[k % order.length][1]]++
  return out
}

/** Fits weights, the score → risk curve and band cut-offs on `rows`; the unit both the proposal and each CV fold run. */
export function fitProposal(
  rows: readonly OutcomeScores[],
  profile: ScoringProfile,
  options: CalibrateOptions = {},
): Proposal | { reason: 'no_signal'; message: string } {
  const keys = Object.keys(profile.measures) as AccountMeasureKey[]
  const presence = (k: AccountMeasureKey) => rows.filter((r) => typeof r.scores[k] === 'number').length / Math.max(1, rows.length)
  const fitted = keys.filter((k) => presence(k) >= (options.minPresentShare ?? 0.5))
  const sparse = keys.filter((k) => !fitted.includes(k))
  if (!fitted.length) return { reason: 'no_signal', message: 'No measure is present for enough accounts with outcomes to fit.' }
  const mean = fitted.map((k) => {
    const v = rows.flatMap((r) => (typeof r.scores[k] === 'number' ? [r.scores[k] as number] : []))
    return v.reduce((a, b) => a + b, 0) / v.length
  })
  // missing scores enter the fit at the measure's mean, so they pull the coefficient neither way
  const data = rows.map((r) => ({ x: fitted.map((k, j) => (r.scores[k] as number | null | undefined) ?? mean[j]), y: r.churned ? 1 : 0 }))
  const choice = chooseL2(data, { grid: options.grid ?? L2_GRID, k: options.k ?? 5, seed: options.seed ?? 1 })
  const model = fitLogistic(
    data.map((d) => d.x),
    data.map((d) => d.y),
    { l2: choice.l2 },
  )
  const protective = model.coefficients.map((c) => Math.max(0, -c))
  if (!protective.some((p) => p > 0))
    return { reason: 'no_signal', message: 'No measure scores lower for accounts that churned: keep the current model.' }
  // the fitted measures' weights sum to 100; measures too sparse to fit keep theirs unchanged
  const newWeights = apportionIntegers(protective, 100)
  const weightOf = new Map<AccountMeasureKey, number>([
    ...fitted.map((k, j) => [k, newWeights[j]] as const),
    ...sparse.map((k) => [k, profile.measures[k]!.weight] as const),
  ])
  const weights: WeightChange[] = keys.map((k) => {
    const j = fitted.indexOf(k)
    const c = j >= 0 ? model.coefficients[j] : null
    const why =
      c === null
        ? `present for only ${pct(presence(k))} of accounts with outcomes: too sparse to fit, keeps its current weight`
        : c >= 0
          ? `a higher score went with more churn (${r2(c * 10)} log-odds per 10 points): clipped to 0 so every measure stays "higher is healthier"`
          : `each 10 points lower raised churn odds ×${r2(Math.exp(-c * 10))}`
    return {
      measure: k,
      coefficient_per_point: c === null ? null : Number(c.toPrecision(4)),
      from: profile.measures[k]!.weight,
      to: weightOf.get(k)!,
      why,
    }
  })
  const measures = Object.fromEntries(
    keys.map((k) => [k, { ...profile.measures[k]!, weight: weightOf.get(k)! }]),
  ) as ScoringProfile['measures']
  const draft: ScoringProfile = { ...profile, measures }
  const risk = fitRisk(rows, draft, options)
  if (!risk)
    return { reason: 'no_signal', message: 'The fitted score does not separate churned from kept accounts: keep the current model.' }
  return {
    profile: { ...draft, bands: { ...profile.bands, red: risk.bands.red, green: risk.bands.green }, risk: risk.curve },
    risk: risk.model,
    weights,
    l2: choice.l2,
    cv_log_loss: choice.cv,
  }
}

/** One-variable logistic fit of churn on the score, and the scores at which the stated risks are crossed. */
function fitRisk(rows: readonly OutcomeScores[], profile: ScoringProfile, options: CalibrateOptions) {
  const scored = rows.flatMap((r) => {
    const s = scoreOf(profile, r.scores)
    return s === null ? [] : [{ s, y: r.churned ? 1 : 0 }]
  })
  if (scored.length < 2 || !scored.some((r) => r.y) || scored.every((r) => r.y)) return null
  const m = fitLogistic(
    scored.map((r) => [r.s]),
    scored.map((r) => r.y),
    { l2: 1e-3 },
  )
  const perPoint = m.coefficients[0]
  if (!(perPoint < 0)) return null
  const base = scored.filter((r) => r.y).length / scored.length
  const redRisk = clamp(options.redRisk ?? r2(1.5 * base), 0.02, 0.98)
  const yellowRisk = clamp(options.yellowRisk ?? r2(0.75 * base), 0.01, redRisk - 0.01)
  const curve: RiskCurve = {
    intercept: Number(m.intercept.toPrecision(6)),
    per_point: Number(perPoint.toPrecision(6)),
    red_at: redRisk,
    yellow_at: yellowRisk,
  }
  // cut-offs where the stated risks are crossed; a curve so flat that both land on one edge of 0–100 states nothing
  const bands = riskBands(curve)
  if (!(bands.red > 0 && bands.red < bands.green && bands.green < 100)) return null
  return { curve, model: { ...curve, statement: bandRule({ bands: { ...profile.bands, ...bands }, risk: curve }) }, bands }
}

const predict = (p: Proposal, r: OutcomeScores): Omit<BacktestRow, 'churned' | 'measures'> => {
  const score = scoreOf(p.profile, r.scores)
  return {
    score,
    band: score === null ? 'insufficient_data' : rawBand(score, p.profile.bands),
    probability: score === null ? null : churnProbability(p.risk, score),
  }
}

/**
 * Proposes a calibrated profile from accounts with outcomes, with a cross-validated backtest of it beside
 * the current profile's; refuses (typed) with too few churned or kept accounts, or no signal.
 */
export function calibrate(rows: readonly OutcomeScores[], profile: ScoringProfile, options: CalibrateOptions = {}): CalibrationResult {
  const min = options.minPerClass ?? MIN_OUTCOMES_PER_CLASS
  const churned = rows.filter((r) => r.churned).length
  const renewed = rows.length - churned
  if (churned < min || renewed < min) {
    const needed = { churned: Math.max(0, min - churned), renewed: Math.max(0, min - renewed) }
    const missing = [needed.churned ? `${needed.churned} more churned` : null, needed.renewed ? `${needed.renewed} more renewed` : null]
      .filter(Boolean)
      .join(' and ')
    return {
      ok: false,
      reason: 'too_few_outcomes',
      churned,
      renewed,
      needed,
      message: `Calibration needs at least ${min} churned and ${min} renewed accounts with recorded outcomes; this project has ${churned} and ${renewed}: record ${missing}.`,
    }
  }
  const proposal = fitProposal(rows, profile, options)
  if ('reason' in proposal) return { ok: false, reason: 'no_signal', message: proposal.message }
  const k = options.k ?? 5
  const seed = options.seed ?? 1
  const fold = stratifiedFolds(
    rows.map((r) => (r.churned ? 1 : 0)),
    k,
    seed,
  )
  const current: BacktestRow[] = new Array(rows.length)
  const proposed: BacktestRow[] = new Array(rows.length)
  const notes: string[] = []
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => fold[i] !== f)
    const fit = fitProposal(train, profile, { ...options, seed: seed + f + 1 })
    const currentRisk = fitCurrentRisk(train, profile)
    if ('reason' in fit) notes.push(`fold ${f + 1}: ${fit.message} (its accounts are scored by the full-data proposal)`)
    rows.forEach((r, i) => {
      if (fold[i] !== f) return
      const s = scoreOf(profile, r.scores)
      current[i] = {
        churned: r.churned,
        score: s,
        band: s === null ? 'insufficient_data' : rawBand(s, profile.bands),
        probability: s === null || !currentRisk ? null : predictLogistic(currentRisk, [s]),
        measures: r.scores,
      }
      proposed[i] = { churned: r.churned, ...predict('reason' in fit ? proposal : fit, r), measures: r.scores }
    })
  }
  const changes: ConfigChange[] = [
    ...proposal.weights
      .filter((w) => w.from !== w.to)
      .map((w) => ({
        path: `profiles.${options.profileName ?? 'default'}.measures.${w.measure}.weight`,
        from: w.from,
        to: w.to,
        why: w.why,
      })),
    ...(['red', 'green'] as const)
      .filter((b) => proposal.profile.bands[b] !== profile.bands[b])
      .map((b) => ({
        path: `profiles.${options.profileName ?? 'default'}.bands.${b}`,
        from: profile.bands[b],
        to: proposal.profile.bands[b],
        why: proposal.risk.statement,
      })),
  ]
  return {
    ok: true,
    ...proposal,
    changes,
    backtest: {
      method: `${k}-fold stratified cross-validation (seed ${seed}): every account is scored by a model fitted without it; bands without hysteresis; the current model's probability is a logistic fit of churn on its score within the same folds`,
      current: backtestReport(current),
      proposed: backtestReport(proposed),
    },
    notes,
  }
}

function fitCurrentRisk(rows: readonly OutcomeScores[], profile: ScoringProfile): LogisticModel | null {
  const scored = rows.flatMap((r) => {
    const s = scoreOf(profile, r.scores)
    return s === null ? [] : [{ s, y: r.churned ? 1 : 0 }]
  })
  if (!scored.some((r) => r.y) || scored.every((r) => r.y)) return null
  return fitLogistic(
    scored.map((r) => [r.s]),
    scored.map((r) => r.y),
    { l2: 1e-3 },
  )
}
