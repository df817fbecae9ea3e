import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IndicatorRule } from '../../../shared/scoring'
import { round1 } from '../../../worker/src/lib/round'
import { contributions, moverReason, type MeasurePoint } from '../../../worker/src/scoring/movers'
import { dailySeries } from '../../../worker/src/scoring/portfolio'
import { describeCondition, describeRule } from '../../../worker/src/scoring/rule-text'
import { PRESET_RULES } from '../../../worker/src/scoring/defaults'

describe('dailySeries: 90 daily scores per account, oldest first', () => {
  it('places each stored day at its offset from the last day, null elsewhere', () => {
    const s = dailySeries(
      ['a', 'b'],
      [
        { accountId: 'a', day: '2026-05-04', score: 50 },
        { accountId: 'a', day: '2026-05-03', score: null },
        { accountId: 'a', day: '2026-02-04', score: 10 },
        { accountId: 'a', day: '2026-02-03', score: 9 }, // 90 days before the last: outside
        { accountId: 'a', day: '2026-05-05', score: 99 }, // after the last day: outside
        { accountId: 'z', day: '2026-05-04', score: 1 }, // not on the page
      ],
      '2026-05-04',
      90,
    )
    const a = s.get('a')!
    expect(a).toHaveLength(90)
    expect(a[89]).toBe(50)
    expect(a[88]).toBeNull()
    expect(a[0]).toBe(10)
    expect(a.filter((x) => x !== null)).toEqual([10, 50])
    expect(s.get('b')).toEqual(Array.from({ length: 90 }, () => null))
    expect(s.has('z')).toBe(false)
  })

  it('always gives each account exactly `days` values, whatever the points', () => {
    const day = fc.integer({ min: 0, max: 200 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10))
    fc.assert(
      fc.property(
        fc.array(fc.record({ accountId: fc.constantFrom('a', 'b'), day, score: fc.option(fc.float({ noNaN: true })) })),
        (points) => {
          const s = dailySeries(['a', 'b'], points, '2026-04-01', 90)
          expect([...s.values()].every((v) => v.length === 90)).toBe(true)
        },
      ),
    )
  })
})

const m = (key: string, score: number | null, weight: number): MeasurePoint => ({ key, score, weight })

describe('moverReason: why a score moved', () => {
  it('names the measures whose points moved most in the direction of the move', () => {
    const before = [m('momentum', 80, 25), m('seat_activation', 60, 25), m('feature_breadth', 50, 50)]
    const now = [m('momentum', 20, 25), m('seat_activation', 40, 25), m('feature_breadth', 52, 50)]
    // 41 now (5 + 10 + 26) vs 60 before (20 + 15 + 25); breadth rose, against the move, so it is not named
    const delta = round1(41 - 60)
    expect(moverReason(delta, 7, now, before)).toBe('Down 19 points in 7 days: Usage momentum -15, Seat activation -5')
  })

  it('says so when a measure lost its data, and rises read as rises', () => {
    const before = [m('nps', 0, 20), m('momentum', 50, 80)]
    const now = [m('momentum', 70, 80)]
    expect(moverReason(30, 30, now, before)).toBe('Up 30 points in 30 days: Usage momentum +30')
    expect(moverReason(-10, 30, [m('momentum', 40, 80)], [m('nps', 100, 20), m('momentum', 37.5, 80)])).toBe(
      'Down 10 points in 30 days: NPS -20 (no data now)',
    )
  })

  it('without measures to compare, states the move alone', () => {
    expect(moverReason(-12.3, 7, [], [])).toBe('Down 12.3 points in 7 days')
    expect(moverReason(0, 7, [m('momentum', 1, 1)], [])).toBe('No change in 7 days')
  })

  it('contributions sum to the combined score, so their changes sum to the move', () => {
    const measures = fc.array(
      fc.record({
        key: fc.constantFrom('a', 'b', 'c', 'd'),
        score: fc.option(fc.integer({ min: 0, max: 100 })),
        weight: fc.integer({ min: 0, max: 50 }),
      }),
      { maxLength: 4 },
    )
    fc.assert(
      fc.property(measures, (ms) => {
        const unique = [...new Map(ms.map((x) => [x.key, x])).values()]
        const present = unique.filter((x) => x.score !== null && x.weight > 0)
        const w = present.reduce((a, x) => a + x.weight, 0)
        const score = w ? present.reduce((a, x) => a + x.weight * x.score!, 0) / w : 0
        const sum = [...contributions(unique).values()].reduce((a, x) => a + x, 0)
        expect(sum).toBeCloseTo(score, 9)
      }),
    )
  })
})

describe('describeRule: a leading-indicator rule in words', () => {
  it('reads every preset', () => {
    expect(PRESET_RULES.map((r) => [r.key, describeRule(r)])).toEqual([
      ['hubspot.low_breadth_first_60d', "features used < 5 in the account's first 60 days and account age in days ≥ 60"],
      ['no_activity_14d', 'active days = 0 in the last 14 days'],
      ['few_active_users', 'active users < 3 in the last 28 days'],
      ['version_lag', 'releases behind > 4'],
      ['slack.message_volume', '"Invoice Created" events ≥ 2,000 in the last 90 days'],
      ['seats_full', 'active users per licensed seat ≥ 1'],
    ])
  })

  it('names the segment of a segment rule and every operator', () => {
    const rule: IndicatorRule = {
      key: 'x',
      name: 'X',
      kind: 'risk',
      critical: false,
      segment: 'high_touch',
      all: [{ metric: 'logins', op: '<=', value: 2 }],
    }
    expect(describeRule(rule)).toBe('In segment high_touch: logins ≤ 2')
    expect(describeCondition({ metric: 'health_score', op: '>', value: 70.5 })).toBe('health score > 70.5')
  })
})
