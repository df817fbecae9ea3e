import type { UserAggRow } from './inputs-store'

export interface UsageMetrics {
  active_users_7d: number
  active_users_28d: number
  logins_30d: number
  time_in_product_hours_30d: number
  /** DAU/MAU from rollups: mean active days per active user over 30 days (docs/scoring.md §11). */
  stickiness: number | null
  value_events_30d: number
  value_events_prev_30d: number
  value_amount_30d: number
  value_amount_prev_30d: number
  value_trend: number | null
}

const r3 = (x: number) => Math.round(x * 1000) / 1000

/** The raw scale and value figures CS reads beside the score (not all of them are scored). */
export function usageMetrics(members: UserAggRow[]): UsageMetrics {
  const sum = (pick: (m: UserAggRow) => number) => members.reduce((a, m) => a + (pick(m) ?? 0), 0)
  const active30 = members.filter((m) => m.a30 > 0)
  const v30 = sum((m) => m.v30)
  const vp30 = sum((m) => m.vp30)
  return {
    active_users_7d: members.filter((m) => m.a7 > 0).length,
    active_users_28d: members.filter((m) => m.a28 > 0).length,
    logins_30d: sum((m) => m.logins30),
    time_in_product_hours_30d: r3(sum((m) => m.seconds30) / 3600),
    stickiness: active30.length ? r3(active30.reduce((a, m) => a + m.a30, 0) / active30.length / 30) : null,
    value_events_30d: v30,
    value_events_prev_30d: vp30,
    value_amount_30d: r3(sum((m) => m.amount30)),
    value_amount_prev_30d: r3(sum((m) => m.amountp30)),
    value_trend: vp30 > 0 ? r3((v30 - vp30) / vp30) : null,
  }
}
