import { describe, expect, it } from 'vitest'
import type { UserAggRow } from '../../../worker/src/scoring/inputs-store'
import { usageMetrics } from '../../../worker/src/scoring/usage-metrics'

const zero: UserAggRow = { user_id: '', a7: 0, a28: 0, a30: 0, p30: 0, v30: 0, vp30: 0, logins30: 0, seconds30: 0, amount30: 0, amountp30: 0, last_active: null }

describe('usageMetrics (raw scale and value figures beside the score)', () => {
  it('sums an account’s users: 2 of 3 active in 28 days, stickiness 0.25, value down 25%', () => {
    const members = [
      { ...zero, user_id: 'u1', a7: 3, a28: 12, a30: 12, p30: 10, logins30: 10, seconds30: 5400, v30: 6, vp30: 4, amount30: 100.5, amountp30: 50 },
      { ...zero, user_id: 'u2', a28: 2, a30: 3, p30: 4, logins30: 2, seconds30: 1800, vp30: 4, amountp30: 20 },
      { ...zero, user_id: 'u3' },
    ]
    expect(usageMetrics(members)).toEqual({
      active_users_7d: 1, active_users_28d: 2, logins_30d: 12, time_in_product_hours_30d: 2,
      // (12 + 3) active days / 2 active users / 30 days
      stickiness: 0.25,
      value_events_30d: 6, value_events_prev_30d: 8, value_amount_30d: 100.5, value_amount_prev_30d: 70, value_trend: -0.25,
    })
  })

  it('has no stickiness without active users and no value trend without a prior period', () => {
    const m = usageMetrics([{ ...zero, user_id: 'u1', v30: 5 }])
    expect(m.stickiness).toBeNull()
    expect(m.value_trend).toBeNull()
    expect(usageMetrics([]).active_users_28d).toBe(0)
  })
})
