import type { Driver, MeasureExplanation } from '../../../shared/api/scoring'
import type { AccountMeasureKey, ScoringProfile } from '../../../shared/scoring'
import { round3 } from '../lib/round'
import { accountRawMeasures, scoreMeasures, type AccountUsage } from './account-measures'
import { nextBand, type Band, type BandState } from './bands'
import { combine } from './explain'
import { rawBand } from './normalise'

export const MEASURE_LABELS: Record<AccountMeasureKey, string> = {
  seat_activation: 'Seat activation',
  hau_share: 'Highly active users',
  feature_breadth: 'Core feature breadth',
  value_realisation: 'Value realisation',
  momentum: 'Usage momentum',
  version_lag: 'Version currency',
  nps: 'NPS',
}

export type { Driver, MeasureExplanation }

export interface AccountHealth {
  score: number | null
  band: Band
  bandState: BandState
  measures: MeasureExplanation[]
  risk_drivers: Driver[]
  health_drivers: Driver[]
  present_weight_share: number
  /** Every configured measure's 0–100 score, weight 0 included (the explanation's `score` is null for those): what calibration fits. */
  measureScores: Partial<Record<AccountMeasureKey, number | null>>
}

/** Health of one account on `day` with its full explanation (docs/scoring.md §3, §5, §8). Pure. */
export function accountHealth(usage: AccountUsage, profile: ScoringProfile, previous: BandState | null, day: string): AccountHealth {
  const raw = accountRawMeasures(usage)
  const scored0 = scoreMeasures(raw, profile)
  const combined = combine(scored0, profile.min_present_weight)
  const bandState = nextBand(previous, combined.score, profile.bands, day)
  const measures: MeasureExplanation[] = raw.map((m) => {
    const cfg = profile.measures[m.key]
    const c = combined.measures.find((x) => x.key === m.key)
    return {
      key: m.key,
      label: MEASURE_LABELS[m.key],
      raw: m.value === null ? null : round3(m.value),
      unit: m.unit,
      window: m.window,
      detail: m.detail,
      thresholds: { poor: round3(cfg?.anchor.poor ?? 0), healthy: round3(cfg?.anchor.healthy ?? 0) },
      score: c?.score ?? null,
      band: c ? rawBand(c.score, profile.bands) : null,
      weight: cfg?.weight ?? 0,
      share: c?.share ?? 0,
      contribution: c?.contribution ?? 0,
      points_lost: c?.points_lost ?? 0,
    }
  })
  const scored = measures.filter((m) => m.score !== null)
  const sentence = (m: MeasureExplanation) =>
    `${m.label}: ${m.detail} (${m.window}; ${m.key === 'version_lag' ? 'healthy ≤' : 'healthy ≥'} ${m.thresholds.healthy}) costs ${m.points_lost} points`
  return {
    score: combined.score,
    band: bandState.band,
    bandState,
    measures,
    risk_drivers: [...scored]
      .filter((m) => m.points_lost > 0)
      .sort((a, b) => b.points_lost - a.points_lost)
      .slice(0, 3)
      .map((m) => ({ measure: m.key, points: m.points_lost, sentence: sentence(m) })),
    health_drivers: [...scored]
      .filter((m) => (m.score ?? 0) >= profile.bands.green)
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, 3)
      .map((m) => ({
        measure: m.key,
        points: m.contribution,
        sentence: `${m.label}: ${m.detail} (${m.window}) adds ${m.contribution} points`,
      })),
    present_weight_share: combined.totalWeight ? round3(combined.presentWeight / combined.totalWeight) : 0,
    measureScores: Object.fromEntries(scored0.filter((m) => m.key in profile.measures).map((m) => [m.key, m.score])),
  }
}
