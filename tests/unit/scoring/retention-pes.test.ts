import { describe, expect, it } from 'vitest'
import type { Feature } from '../../../shared/features'
import type { UserActivity } from '../../../worker/src/scoring/inputs'
import { pes } from '../../../worker/src/scoring/pes'
import { featureRetention, phiInterval } from '../../../worker/src/renewals/retention'
import { retentionTable } from '../../../worker/src/renewals/retention-table'

describe('phi 95% interval (Fisher z)', () => {
  it('is [0.355, 0.459] for the SCORING worked check (phi 0.408, n 1000)', () => {
    expect(featureRetention({ n11: 300, n10: 100, n01: 200, n00: 400 }, 30).phi_ci95).toEqual([0.355, 0.459])
  })
  it('widens as the sample shrinks, and is undefined for n ≤ 3 or |phi| = 1', () => {
    const [lo, hi] = phiInterval(0.408, 100)!
    expect(hi - lo).toBeGreaterThan(0.459 - 0.355)
    expect(phiInterval(0.4, 3)).toBeNull()
    expect(phiInterval(1, 50)).toBeNull()
  })
})

describe('retentionTable: which features predict renewal', () => {
  const f = (key: string, kind: Feature['kind'], core = false): Feature => ({ key, name: key.toUpperCase(), kind, core, rules: [] })
  const features = [f('b', 'value'), f('a', 'feature', true), f('l', 'login')]
  const outcomes = [
    { accountId: 'acc1', kind: 'renewed' },
    { accountId: 'acc2', kind: 'churned' },
    { accountId: 'acc3', kind: 'expanded' },
    { accountId: 'acc4', kind: 'churned' },
    { accountId: 'acc5', kind: 'contracted' },
  ]
  const uses = [
    { accountId: 'acc1', featureKey: 'a', n: 3 },
    { accountId: 'acc3', featureKey: 'a', n: 1 },
    { accountId: 'acc1', featureKey: 'b', n: 2 },
    { accountId: 'acc2', featureKey: 'b', n: 5 },
    { accountId: 'acc4', featureKey: 'b', n: 2 },
  ]

  it('counts the 2x2 table per feature (expanded and contracted count as retained; uses below the minimum do not count)', () => {
    const rows = retentionTable(features, outcomes, uses, 2, 1)
    expect(rows.map((r) => r.key)).toEqual(['a', 'b'])
    expect(rows[0]).toMatchObject({ name: 'A', core: true, n11: 1, n10: 0, n01: 2, n00: 2, phi: 0.408 })
    expect(rows[1]).toMatchObject({ n11: 1, n10: 2, n01: 2, n00: 0, phi: -0.667 })
  })

  it('labels every row insufficient_sample while a cell is under the minimum', () => {
    expect(retentionTable(features, outcomes, uses, 2, 1).map((r) => r.label)).toEqual(['insufficient_sample', 'insufficient_sample'])
  })
})

describe('pes (docs/scoring.md §11 PES-style score)', () => {
  const row = (userId: string, a30: number, p30: number): UserActivity => ({
    userId,
    activeDays7: 0,
    activeDays28: a30,
    activeDays30: a30,
    activeDaysPrev30: p30,
    lastActiveDay: null,
    logins30: 0,
    activeSeconds30: 0,
    valueEvents30: 0,
    valueEventsPrev30: 0,
    valueAmount30: 0,
    valueAmountPrev30: 0,
  })
  const core = new Set(['c1', 'c2', 'c3', 'c4'])
  const used = (...keys: string[]) => keys.map((featureKey) => ({ userId: '', featureKey }))
  const features = new Map([
    ['u1', used('c1', 'c2', 'extra')],
    ['u2', used('c3')],
    ['u3', used('c1')],
  ])

  it('averages adoption 25.0, stickiness 26.7 and growth 66.7 into 39.5', () => {
    // u1 steady, u2 and u5 gained, u3 dropped, u4 dormant
    const members = [row('u1', 15, 10), row('u2', 6, 0), row('u3', 0, 5), row('u4', 0, 0), row('u5', 3, 0)]
    expect(pes(members, 4, features, core)).toEqual({ adoption: 25, stickiness: 26.7, growth: 66.7, pes: 39.5 })
  })

  it('leaves growth, and so PES, null when nobody was gained or dropped', () => {
    expect(pes([row('u1', 10, 10)], 4, features, core)).toEqual({ adoption: 50, stickiness: 33.3, growth: null, pes: null })
  })

  it('has no adoption or stickiness without active users', () => {
    expect(pes([row('u3', 0, 5)], 4, features, core)).toEqual({ adoption: null, stickiness: null, growth: 0, pes: null })
  })
})
