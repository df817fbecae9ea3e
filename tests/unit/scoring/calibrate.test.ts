import { describe, expect, it } from 'vitest'
import { scoringProfileSchema, type ScoringProfile } from '../../../shared/scoring'
import { mulberry32 } from '../../../worker/src/lib/stats'
import { backtestReport } from '../../../worker/src/scoring/backtest'
import { calibrate, churnProbability, scoreOf, type OutcomeScores } from '../../../worker/src/scoring/calibrate'
import { DEFAULT_PROFILE } from '../../../worker/src/scoring/defaults'
import { combine } from '../../../worker/src/scoring/explain'

/**
 * 600 accounts: value_realisation truly protects (−0.06 log-odds per point), momentum a little (−0.02),
 * seat_activation is noise, hau_share goes the "wrong" way (+0.02: a higher score, more churn), and NPS
 * is known for 10% of accounts only.
 */
function accounts(n = 600, seed = 7): OutcomeScores[] {
  const rng = mulberry32(seed)
  return Array.from({ length: n }, (_, i) => {
    const s = {
      seat_activation: 100 * rng(),
      hau_share: 100 * rng(),
      value_realisation: 100 * rng(),
      momentum: 100 * rng(),
      nps: rng() < 0.1 ? 100 * rng() : null,
    }
    const logit = -1 - 0.06 * (s.value_realisation - 50) - 0.02 * (s.momentum - 50) + 0.02 * (s.hau_share - 50)
    return { account_id: `a${i}`, churned: rng() < 1 / (1 + Math.exp(-logit)), scores: s }
  })
}
const profile: ScoringProfile = {
  ...DEFAULT_PROFILE,
  measures: {
    ...DEFAULT_PROFILE.measures,
    feature_breadth: { ...DEFAULT_PROFILE.measures.feature_breadth!, weight: 0 },
    version_lag: { ...DEFAULT_PROFILE.measures.version_lag!, weight: 0 },
    seat_activation: { ...DEFAULT_PROFILE.measures.seat_activation!, weight: 40 },
    hau_share: { ...DEFAULT_PROFILE.measures.hau_share!, weight: 30 },
    value_realisation: { ...DEFAULT_PROFILE.measures.value_realisation!, weight: 10 },
    momentum: { ...DEFAULT_PROFILE.measures.momentum!, weight: 20 },
    nps: { ...DEFAULT_PROFILE.measures.nps!, weight: 10 },
  },
}

describe('calibrate: weights of the explainable score fitted to renewals', () => {
  const rows = accounts()
  const r = calibrate(rows, profile, { seed: 3 })
  if (!r.ok) throw new Error(r.message)
  const w = Object.fromEntries(r.weights.map((x) => [x.measure, x]))

  it('gives the truly protective measure most weight and the noise little, in whole numbers summing to 100', () => {
    expect(w.value_realisation.to).toBeGreaterThan(55)
    expect(w.momentum.to).toBeGreaterThan(10)
    expect(w.seat_activation.to).toBeLessThan(10)
    const fitted = ['seat_activation', 'hau_share', 'value_realisation', 'momentum'].map((k) => w[k].to)
    expect(fitted.every(Number.isInteger)).toBe(true)
    expect(fitted.reduce((a, b) => a + b, 0)).toBe(100)
  })

  it('clips a measure whose higher score went with more churn to 0, and says why', () => {
    expect(w.hau_share.coefficient_per_point).toBeGreaterThan(0)
    expect(w.hau_share.to).toBe(0)
    expect(w.hau_share.why).toMatch(/clipped to 0/)
  })

  it('keeps the weight of a measure too sparse to fit (NPS known for 10% of accounts)', () => {
    expect(w.nps).toMatchObject({ from: 10, to: 10, coefficient_per_point: null })
    expect(w.nps.why).toMatch(/too sparse/)
    expect(r.changes.some((c) => c.path.endsWith('nps.weight'))).toBe(false)
  })

  it('derives band cut-offs from the fitted churn probability and states their meaning', () => {
    const { red, green } = r.profile.bands
    expect(red).toBeLessThan(green)
    expect(churnProbability(r.risk, red)).toBeCloseTo(r.risk.red_at, 2)
    expect(churnProbability(r.risk, green)).toBeCloseTo(r.risk.yellow_at, 2)
    expect(r.risk.statement).toMatch(/^red: predicted churn risk ≥ \d+% \(score < [\d.]+\)/)
    expect(r.changes.find((c) => c.path === 'profiles.default.bands.red')).toMatchObject({ from: 40, to: red })
    // the proposal is a valid profile: its bands are the ones its risk curve implies
    expect(r.profile.risk).toEqual({
      intercept: r.risk.intercept,
      per_point: r.risk.per_point,
      red_at: r.risk.red_at,
      yellow_at: r.risk.yellow_at,
    })
    expect(scoringProfileSchema.parse(r.profile)).toEqual(r.profile)
  })

  it('beats the current weights in its cross-validated backtest, and orders churn red > yellow > green', () => {
    expect(r.backtest.proposed.auc!.auc).toBeGreaterThan(r.backtest.current.auc!.auc + 0.1)
    const b = r.backtest.proposed.bands
    expect(b.red.churn_rate!).toBeGreaterThan(b.yellow.churn_rate!)
    expect(b.yellow.churn_rate!).toBeGreaterThan(b.green.churn_rate!)
    expect(r.backtest.proposed.calibration).toHaveLength(10)
    expect(r.backtest.proposed.brier!).toBeLessThan(r.backtest.current.brier!)
  })

  it('chooses λ by cross-validated log-loss and is deterministic', () => {
    expect(r.cv_log_loss.map((c) => c.l2)).toContain(r.l2)
    expect(calibrate(rows, profile, { seed: 3 })).toEqual(r)
  })

  it('keeps explanations exact: under the proposed weights contributions still sum to the score', () => {
    const ms = Object.entries(r.profile.measures).map(([key, m]) => ({
      key,
      weight: m.weight,
      score: rows[5].scores[key as keyof (typeof rows)[5]['scores']] ?? null,
    }))
    const c = combine(ms, r.profile.min_present_weight)
    expect(Math.round(c.measures.reduce((a, m) => a + m.contribution, 0) * 10) / 10).toBe(c.score)
    expect(c.score).toBe(scoreOf(r.profile, rows[5].scores))
  })
})

describe('calibrate: refusals', () => {
  it('refuses with fewer than 30 churned, saying how many more it needs', () => {
    const rows = accounts(200).map((a, i) => ({ ...a, churned: i < 29 }))
    const r = calibrate(rows, profile)
    expect(r).toMatchObject({ ok: false, reason: 'too_few_outcomes', churned: 29, renewed: 171, needed: { churned: 1, renewed: 0 } })
    expect(!r.ok && r.message).toMatch(/record 1 more churned\.$/)
  })

  it('refuses with too few of both', () => {
    const r = calibrate(
      accounts(40).map((a, i) => ({ ...a, churned: i < 12 })),
      profile,
    )
    expect(r).toMatchObject({ ok: false, needed: { churned: 18, renewed: 2 } })
  })

  it('refuses when no measure scores lower for churned accounts', () => {
    const rows = accounts(300).map((a) => ({ ...a, churned: (a.scores.value_realisation as number) > 50 }))
    const only = rows.map((a) => ({ ...a, scores: { value_realisation: a.scores.value_realisation } }))
    expect(calibrate(only, profile)).toMatchObject({ ok: false, reason: 'no_signal' })
  })
})

describe('backtestReport', () => {
  const rows = [
    { churned: true, score: 20, band: 'red' as const, measures: { momentum: 10 } },
    { churned: true, score: 35, band: 'red' as const, measures: { momentum: 80 } },
    { churned: false, score: 38, band: 'red' as const, measures: { momentum: 20 } },
    { churned: true, score: 50, band: 'yellow' as const, measures: { momentum: 30 } },
    { churned: false, score: 60, band: 'yellow' as const, measures: { momentum: null } },
    { churned: false, score: 80, band: 'green' as const, measures: { momentum: 90 } },
    { churned: false, score: null, band: 'insufficient_data' as const },
  ]
  const r = backtestReport(rows)

  it('reports churn per band with a Wilson interval', () => {
    expect(r.bands.red).toMatchObject({ accounts: 3, churned: 2, churn_rate: 0.667 })
    expect(r.bands.green).toMatchObject({ accounts: 1, churned: 0, churn_rate: 0, ci95: [0, 0.793] })
    expect(r.bands.insufficient_data.accounts).toBe(1)
    expect(r.churn_rate).toBe(0.429)
  })

  it('gives the AUC of the score (lower = churn) and of each measure alone where present', () => {
    // scored: churned {20, 35, 50} vs kept {38, 60, 80}: 8 of 9 pairs ranked right
    expect(r.auc).toMatchObject({ auc: 0.889, accounts: 6 })
    // momentum present for 5: churned {10, 80, 30} vs kept {20, 90}: pairs right: 10<20, 10<90, 80<90, 30<90 → 4 of 6
    expect(r.measures).toEqual([{ measure: 'momentum', auc: 0.667, se: expect.any(Number), accounts: 5 }])
  })

  it('has no calibration table or Brier score without predicted probabilities', () => {
    expect(r.calibration).toBeNull()
    expect(r.brier).toBeNull()
  })
})
