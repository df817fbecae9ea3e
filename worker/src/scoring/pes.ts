import type { Pes } from '../../../shared/api/scoring'
import { round1 as r1 } from '../lib/round'
import type { UserActivity, UserFeatureUse } from './inputs'

export type { Pes }

/**
 * Pendo-style product engagement (docs/scoring.md §11): adoption = mean core breadth of active users,
 * stickiness = mean active days per active user / 30, growth = bounded quick ratio (new+recovered vs dropped).
 */
export function pes(members: UserActivity[], coreTotal: number, featuresByUser: Map<string, UserFeatureUse[]>, coreKeys: Set<string>): Pes {
  const active = members.filter((m) => m.activeDays30 > 0)
  const adoption =
    active.length && coreTotal
      ? r1(
          (100 *
            active.reduce(
              (a, m) => a + (featuresByUser.get(m.userId) ?? []).filter((f) => coreKeys.has(f.featureKey)).length / coreTotal,
              0,
            )) /
            active.length,
        )
      : null
  const stickiness = active.length ? r1((100 * active.reduce((a, m) => a + m.activeDays30, 0)) / active.length / 30) : null
  // new and recovered are not separable from 60 days of rollups: both are "active now, not in the prior 30 days"
  const gained = members.filter((m) => m.activeDays30 > 0 && m.activeDaysPrev30 === 0).length
  const dropped = members.filter((m) => m.activeDays30 === 0 && m.activeDaysPrev30 > 0).length
  const growth = gained + dropped ? r1((100 * gained) / (gained + dropped)) : null
  const parts = [adoption, stickiness, growth].filter((x): x is number => x !== null)
  return { adoption, stickiness, growth, pes: parts.length === 3 ? r1(parts.reduce((a, b) => a + b, 0) / 3) : null }
}
