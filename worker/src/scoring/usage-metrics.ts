import type { UsageMetrics } from '../../../shared/api/scoring'
import { round3 as r3 } from '../lib/round'
import type { UserActivity } from './inputs'

export type { UsageMetrics }

/** The raw scale and value figures CS reads beside the score (not all of them are scored); stickiness is DAU/MAU from rollups (docs/scoring.md §11). */
export function usageMetrics(members: UserActivity[]): UsageMetrics {
  const sum = (pick: (m: UserActivity) => number) => members.reduce((a, m) => a + (pick(m) ?? 0), 0)
  const active30 = members.filter((m) => m.activeDays30 > 0)
  const v30 = sum((m) => m.valueEvents30)
  const vp30 = sum((m) => m.valueEventsPrev30)
  return {
    active_users_7d: members.filter((m) => m.activeDays7 > 0).length,
    active_users_28d: members.filter((m) => m.activeDays28 > 0).length,
    logins_30d: sum((m) => m.logins30),
    time_in_product_hours_30d: r3(sum((m) => m.activeSeconds30) / 3600),
    stickiness: active30.length ? r3(active30.reduce((a, m) => a + m.activeDays30, 0) / active30.length / 30) : null,
    value_events_30d: v30,
    value_events_prev_30d: vp30,
    value_amount_30d: r3(sum((m) => m.valueAmount30)),
    value_amount_prev_30d: r3(sum((m) => m.valueAmountPrev30)),
    value_trend: vp30 > 0 ? r3((v30 - vp30) / vp30) : null,
  }
}
