import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accountHealth } from '../../../worker/src/scoring/account-health'
import type { AccountUsage } from '../../../worker/src/scoring/account-measures'
import { nextBand } from '../../../worker/src/scoring/bands'
import { DEFAULT_PROFILE } from '../../../worker/src/scoring/defaults'
import { apportion, combine } from '../../../worker/src/scoring/explain'
import { anchorScore } from '../../../worker/src/scoring/normalise'
import { featureRetention, phi } from '../../../worker/src/renewals/retention'
import { percentileInCohort, segmentOf } from '../../../worker/src/scoring/segments'
import { trend } from '../../../worker/src/scoring/trend'
import { userScore } from '../../../worker/src/scoring/user-score'
import { compareVersions, releasesBehind } from '../../../worker/src/scoring/versions'

/** docs/scoring.md §5 worked example: 20 seats, 12 active, 5 HAU, 4/8 core, 6 value events per active user, 110 vs 150 user-days. */
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

describe('anchorScore (docs/scoring.md §2)', () => {
  const a = { poor: 0.5, healthy: 0.8, min: 0, cap: 1, lower_is_better: false }
  it.each([
    [0, 0],
    [0.25, 20],
    [0.5, 40],
    [0.6, 50],
    [0.8, 70],
    [0.9, 85],
    [1, 100],
    [2, 100],
    [-1, 0],
  ])('seat activation %s scores %s', (x, s) => expect(anchorScore(x, a)).toBeCloseTo(s, 6))

  it('negates lower-is-better measures: 2 releases behind is healthy, 4 poor', () => {
    const lag = DEFAULT_PROFILE.measures.version_lag!.anchor
    expect(anchorScore(2, lag)).toBeCloseTo(70)
    expect(anchorScore(4, lag)).toBeCloseTo(40)
    expect(anchorScore(0, lag)).toBeCloseTo(100)
    expect(anchorScore(8, lag)).toBeCloseTo(0)
  })

  it('is monotonic', () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (x, y) => {
        const a2 = DEFAULT_PROFILE.measures.momentum!.anchor
        if (x <= y) expect(anchorScore(x, a2)).toBeLessThanOrEqual(anchorScore(y, a2) + 1e-9)
      }),
    )
  })
})

describe('accountHealth on the docs/scoring.md worked example', () => {
  const health = accountHealth(worked, DEFAULT_PROFILE, null, '2026-03-01')
  const m = (k: string) => health.measures.find((x) => x.key === k)!

  it('scores 54.4, yellow', () => {
    expect(health.score).toBe(54.4)
    expect(health.band).toBe('yellow')
  })

  it.each([
    ['seat_activation', 50.0, 12.5],
    ['hau_share', 61.7, 7.7],
    ['feature_breadth', 70.0, 6.0],
    ['value_realisation', 59.6, 6.1],
    ['momentum', 33.3, 13.3],
  ])('%s scores %s and loses %s points', (key, score, lost) => {
    expect(m(key).score).toBeCloseTo(score, 1)
    expect(m(key).points_lost).toBeCloseTo(lost, 1)
  })

  it('skips missing measures (version, NPS) and names momentum the top risk', () => {
    expect(m('version_lag').score).toBeNull()
    expect(m('nps').weight).toBe(10)
    expect(health.present_weight_share).toBeCloseTo(100 / 120, 3)
    expect(health.risk_drivers[0].measure).toBe('momentum')
    expect(health.risk_drivers[0].sentence).toMatch(/active user-days 110 vs 150 \(-27%\)/)
  })

  it('explains exactly: contributions sum to the score, points lost to 100 minus it', () => {
    const sum = (k: 'contribution' | 'points_lost') => Math.round(health.measures.reduce((a, x) => a + x[k], 0) * 10) / 10
    expect(sum('contribution')).toBe(54.4)
    expect(sum('points_lost')).toBe(45.6)
  })

  it('says insufficient_data when under 60% of the weight is present', () => {
    const thin = accountHealth(
      { ...worked, seats: null, knownUsers: 0, activeUsers28: 0, activeUsers30: 0, coreFeatures: 0, activeUserDaysPrev30: 0 },
      DEFAULT_PROFILE,
      null,
      '2026-03-01',
    )
    expect(thin.score).toBeNull()
    expect(thin.band).toBe('insufficient_data')
  })
})

describe('combine (property)', () => {
  const measure = fc.record({
    key: fc.string(),
    score: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
    weight: fc.integer({ min: 0, max: 40 }),
  })
  it('contributions always sum to the score and points lost to 100 minus it, to the tenth', () => {
    fc.assert(
      fc.property(fc.array(measure, { minLength: 1, maxLength: 8 }), (ms) => {
        const c = combine(ms, 0)
        if (c.score === null) return
        const total = (k: 'contribution' | 'points_lost') => Math.round(c.measures.reduce((a, x) => a + x[k], 0) * 10)
        expect(total('contribution')).toBe(Math.round(c.score * 10))
        expect(total('points_lost')).toBe(Math.round((100 - c.score) * 10))
      }),
      { numRuns: 1000 },
    )
  })

  it('apportions to the tenth without drift', () => {
    expect(apportion([0.26, 0.26], 0.5)).toEqual([0.3, 0.2])
  })
})

describe('nextBand (hysteresis, docs/scoring.md §8)', () => {
  const bands = DEFAULT_PROFILE.bands
  it('needs the new band on two days to change band', () => {
    let s = nextBand(null, 60, bands, '2026-03-01')
    expect(s.band).toBe('yellow')
    s = nextBand(s, 30, bands, '2026-03-02')
    expect(s).toMatchObject({ band: 'yellow', pending: 'red', pendingSince: '2026-03-02' })
    s = nextBand(s, 31, bands, '2026-03-03')
    expect(s.band).toBe('red')
  })
  it('leaves red only at 45 or above, and green only below 65', () => {
    const day = '2026-03-01'
    const red = { band: 'red' as const, pending: null, pendingSince: null }
    expect(nextBand(red, 43, bands, day).pending).toBeNull()
    expect(nextBand(red, 46, bands, day).pending).toBe('yellow')
    const green = { band: 'green' as const, pending: null, pendingSince: null }
    expect(nextBand(green, 66, bands, day).pending).toBeNull()
    expect(nextBand(green, 64, bands, day).pending).toBe('yellow')
  })
})

describe('retained vs churned (SCORING worked check)', () => {
  it('gives phi 0.408, PPV 0.75, lift 1.5, NPV 0.67 for 300/100/200/400', () => {
    const r = featureRetention({ n11: 300, n10: 100, n01: 200, n00: 400 }, 30)
    expect(r.phi).toBe(0.408)
    expect(r.ppv).toBe(0.75)
    expect(r.lift).toBe(1.5)
    expect(r.npv).toBe(0.667)
    expect(r.label).toBe('highly predictive')
    expect(r.phi_ci95![0]).toBeLessThan(0.408)
    expect(r.phi_ci95![1]).toBeGreaterThan(0.408)
  })
  it('refuses to label a small sample', () => {
    expect(featureRetention({ n11: 3, n10: 1, n01: 2, n00: 4 }, 5).label).toBe('insufficient_sample')
    expect(phi({ n11: 0, n10: 0, n01: 5, n00: 5 })).toBeNull()
  })
})

describe('segments and percentiles', () => {
  const segs = [
    { key: 'high', name: 'High', all: [{ attribute: 'arr', op: '>=' as const, value: 50000 }] },
    {
      key: 'mid',
      name: 'Mid',
      all: [
        { attribute: 'arr', op: '>=' as const, value: 5000 },
        { attribute: 'plan', op: 'in' as const, value: ['team', 'business'] },
      ],
    },
    { key: 'rest', name: 'Rest', all: [] },
  ]
  it.each([
    [{ arr: 60000 }, 'high'],
    [{ arr: 6000, plan: 'team' }, 'mid'],
    [{ arr: 6000, plan: 'starter' }, 'rest'],
    [{}, 'rest'],
    [{ arr: 100, tier: 'high' }, 'high'],
  ])('%j is in %s', (attrs, key) => expect(segmentOf(attrs, segs)?.key).toBe(key))

  it('computes mid-rank percentiles and refuses small cohorts', () => {
    const cohort = Array.from({ length: 20 }, (_, i) => i)
    expect(percentileInCohort(10, cohort)).toBe(52.5)
    expect(percentileInCohort(10, cohort.slice(0, 19))).toBeNull()
  })
})

describe('trend, versions and user score', () => {
  it('computes deltas with a ±3 dead band', () => {
    expect(
      trend(60, [
        [7, 58],
        [30, 50],
      ]),
    ).toMatchObject({ delta7: 2, delta30: 10, arrow: 'up' })
    expect(trend(60, [[30, 62]]).arrow).toBe('flat')
    expect(trend(null, []).arrow).toBeNull()
  })
  it('orders versions numerically and counts releases behind', () => {
    expect(compareVersions('3.10.0', '3.9.2')).toBe(1)
    expect(releasesBehind('3.0.0', ['3.0.0', '3.1.0', '3.2.0', '3.10.0'])).toBe(3)
    expect(releasesBehind('3.2.0', ['3.0.0', '3.2.0', '3.3.0'], '3.2.0')).toBe(0)
  })
  it('decays recency with a 7-day half-life and puts new users on the onboarding profile', () => {
    const base = { activeDays28: 10, activeDays30: 10, activeDaysPrev30: 10, coreUsed30: 5, coreTotal: 10, valueEvents30: 10, ageDays: 60 }
    const fresh = userScore({ ...base, daysSinceActive: 0 }, true)
    const week = userScore({ ...base, daysSinceActive: 7 }, true)
    expect(fresh.measures.find((m) => m.key === 'recency')!.score).toBe(100)
    expect(week.measures.find((m) => m.key === 'recency')!.score).toBe(50)
    expect(userScore({ ...base, ageDays: 5, daysSinceActive: 0 }, true).profile).toBe('onboarding')
  })
})
