import { USER_SCORE_MODEL as M } from './defaults'
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

/** User adoption score (F, B, V, R, M) with its explanation; onboarding users skip F and M. */
export function userScore(u: UserUsage, hasValueFeatures: boolean) {
  const onboarding = u.ageDays < M.onboardingDays
  const momentum = u.activeDaysPrev30 > 0 ? (u.activeDays30 - u.activeDaysPrev30) / u.activeDaysPrev30 : null
  const { weights: w, anchors: a } = M
  const measures = [
    { key: 'frequency', weight: w.frequency, score: onboarding ? null : anchorScore(u.activeDays28, a.frequency) },
    { key: 'breadth', weight: w.breadth, score: u.coreTotal ? anchorScore(u.coreUsed30 / u.coreTotal, a.breadth) : null },
    { key: 'value', weight: w.value, score: hasValueFeatures ? anchorScore(Math.log(1 + u.valueEvents30), a.value) : null },
    { key: 'recency', weight: w.recency, score: u.daysSinceActive === null ? 0 : 100 * 2 ** (-u.daysSinceActive / M.recencyHalfLifeDays) },
    { key: 'momentum', weight: w.momentum, score: onboarding || momentum === null ? null : anchorScore(momentum, a.momentum) },
  ]
  const combined = combine(measures, M.minPresentWeight)
  return { score: combined.score, profile: onboarding ? 'onboarding' : 'adopted', measures: combined.measures }
}
