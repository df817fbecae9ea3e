import { combine } from './explain'
import { anchorScore } from './normalise'

/** One user's usage from rollups (docs/scoring.md §12). */
export interface UserUsage {
  activeDays28: number
  activeDays30: number
  activeDaysPrev30: number
  coreUsed30: number
  coreTotal: number
  valueEvents30: number
  daysSinceActive: number | null
  /** Days since first seen: users under 14 days go on the onboarding profile. */
  ageDays: number
}

const WEIGHTS = { frequency: 30, breadth: 30, value: 20, recency: 10, momentum: 10 }
export const RECENCY_HALF_LIFE_DAYS = 7

/** User adoption score (F, B, V, R, M) with its explanation; onboarding users skip F and M. */
export function userScore(u: UserUsage, hasValueFeatures: boolean) {
  const onboarding = u.ageDays < 14
  const momentum = u.activeDaysPrev30 > 0 ? (u.activeDays30 - u.activeDaysPrev30) / u.activeDaysPrev30 : null
  const measures = [
    { key: 'frequency', weight: WEIGHTS.frequency, score: onboarding ? null : anchorScore(u.activeDays28, { poor: 4, healthy: 10, min: 0, cap: 20, lowerIsBetter: false }) },
    { key: 'breadth', weight: WEIGHTS.breadth, score: u.coreTotal ? anchorScore(u.coreUsed30 / u.coreTotal, { poor: 0.2, healthy: 0.5, min: 0, cap: 1, lowerIsBetter: false }) : null },
    { key: 'value', weight: WEIGHTS.value, score: hasValueFeatures ? anchorScore(Math.log(1 + u.valueEvents30), { poor: Math.log(3), healthy: Math.log(11), min: 0, cap: Math.log(31), lowerIsBetter: false }) : null },
    { key: 'recency', weight: WEIGHTS.recency, score: u.daysSinceActive === null ? 0 : 100 * 2 ** (-u.daysSinceActive / RECENCY_HALF_LIFE_DAYS) },
    { key: 'momentum', weight: WEIGHTS.momentum, score: onboarding || momentum === null ? null : anchorScore(momentum, { poor: -0.2, healthy: -0.05, min: -0.6, cap: 0.2, lowerIsBetter: false }) },
  ]
  const combined = combine(measures, 0.5)
  return { score: combined.score, profile: onboarding ? 'onboarding' : 'adopted', measures: combined.measures }
}
