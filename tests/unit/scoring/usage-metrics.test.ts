import { describe, expect, it } from 'vitest'
import type { UserActivity } from '../../../worker/src/scoring/inputs'
import { usageMetrics } from '../../../worker/src/scoring/usage-metrics'

const zero: UserActivity = {
  userId: '',
  activeDays7: 0,
  activeDays28: 0,
  activeDays30: 0,
  activeDaysPrev30: 0,
  lastActiveDay: null,
  logins30: 0,
  activeSeconds30: 0,
  valueEvents30: 0,
  valueEventsPrev30: 0,
  valueAmount30: 0,
  valueAmountPrev30: 0,
}

describe('usageMetrics (raw scale and value figures beside the score)', () => {
  it('sums an account’s users: 2 of 3 active in 28 days, stickiness 0.25, value down 25%', () => {
    const members = [
      {
        ...zero,
        userId: 'u1',
        activeDays7: 3,
        activeDays28: 12,
        activeDays30: 12,
        activeDaysPrev30: 10,
        logins30: 10,
        activeSeconds30: 5400,
        valueEvents30: 6,
        valueEventsPrev30: 4,
        valueAmount30: 100.5,
        valueAmountPrev30: 50,
      },
      {
        ...zero,
        userId: 'u2',
        activeDays28: 2,
        activeDays30: 3,
        activeDaysPrev30: 4,
        logins30: 2,
        activeSeconds30: 1800,
        valueEventsPrev30: 4,
        valueAmountPrev30: 20,
      },
      { ...zero, userId: 'u3' },
    ]
    expect(usageMetrics(members)).toEqual({
      active_users_7d: 1,
      active_users_28d: 2,
      logins_30d: 12,
      time_in_product_hours_30d: 2,
      // (12 + 3) active days / 2 active users / 30 days
      stickiness: 0.25,
      value_events_30d: 6,
      value_events_prev_30d: 8,
      value_amount_30d: 100.5,
      value_amount_prev_30d: 70,
      value_trend: -0.25,
    })
  })

  it('has no stickiness without active users and no value trend without a prior period', () => {
    const m = usageMetrics([{ ...zero, userId: 'u1', valueEvents30: 5 }])
    expect(m.stickiness).toBeNull()
    expect(m.value_trend).toBeNull()
    expect(usageMetrics([]).active_users_28d).toBe(0)
  })
})
