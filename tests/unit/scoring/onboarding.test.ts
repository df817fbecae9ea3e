import { describe, expect, it } from 'vitest'
import { scoringConfigSchema } from '../../../shared/scoring'
import { accountHealth } from '../../../worker/src/scoring/account-health'
import type { AccountUsage } from '../../../worker/src/scoring/account-measures'
import { DEFAULT_CONFIG, ONBOARDING_PROFILE } from '../../../worker/src/scoring/defaults'

/** The docs/scoring.md §5 worked example, scored as a young account. */
const worked: AccountUsage = {
  seats: 20,
  knownUsers: 14,
  activeUsers28: 12,
  hauUsers: 5,
  activeUsers30: 12,
  coreFeatures: 8,
  coreFeaturesAdopted: 4,
  valueFeatures: 1,
  valueEvents30: 72,
  activeUserDays30: 110,
  activeUserDaysPrev30: 150,
  releasesBehind: null,
  nps: null,
}

describe('onboarding profile (accounts in their first 30 days)', () => {
  const health = accountHealth(worked, ONBOARDING_PROFILE, null, '2026-03-01')
  const m = (k: string) => health.measures.find((x) => x.key === k)!

  it('ships in the default config and validates', () => {
    expect(scoringConfigSchema.safeParse(DEFAULT_CONFIG).success).toBe(true)
    expect(Object.keys(DEFAULT_CONFIG.profiles)).toContain('onboarding')
  })

  it('ignores momentum and weighs breadth and first value more: 60.6 instead of 54.4', () => {
    // (25·50 + 10·61.67 + 30·70 + 25·59.56) / 90 = 60.62
    expect(health.score).toBe(60.6)
    expect(health.band).toBe('yellow')
    expect(m('momentum').contribution).toBe(0)
    expect(m('momentum').points_lost).toBe(0)
  })

  it('still explains exactly', () => {
    const sum = (k: 'contribution' | 'points_lost') => Math.round(health.measures.reduce((a, x) => a + x[k], 0) * 10) / 10
    expect(sum('contribution')).toBe(60.6)
    expect(sum('points_lost')).toBe(39.4)
  })
})
