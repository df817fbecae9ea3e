import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { upcomingRenewals, type UpcomingRenewalRow } from '../../../worker/src/renewals/upcoming'

const row = (accountId: string, renewalDate: string, extra: Partial<UpcomingRenewalRow> = {}): UpcomingRenewalRow => ({
  accountId,
  name: accountId,
  renewalDate,
  arr: 1000,
  score: 80,
  band: 'green',
  segment: 'low_touch',
  owner: null,
  ...extra,
})

describe('upcomingRenewals: renewals in a window with ARR at risk', () => {
  it('keeps today to today + N, soonest first, with days left and risk (not green)', () => {
    const { items, bySegment, totals } = upcomingRenewals(
      [
        row('later', '2026-06-10', { band: 'red', arr: 5000 }),
        row('today', '2026-05-04', { band: 'yellow', arr: 2000, segment: 'high_touch' }),
        row('past', '2026-05-03', { band: 'red' }),
        row('edge', '2026-06-03', { arr: null }),
        row('beyond', '2026-06-04'),
        row('unscored', '2026-05-20', { score: null, band: null, segment: null, arr: 300 }),
      ],
      '2026-05-04',
      30,
    )
    expect(items.map((i) => [i.accountId, i.daysLeft, i.atRisk])).toEqual([
      ['today', 0, true],
      ['unscored', 16, true],
      ['edge', 30, false],
    ])
    expect(totals).toEqual({ accounts: 3, arr: 2300, arrAtRisk: 2300 })
    expect(bySegment).toEqual([
      { segment: 'high_touch', accounts: 1, arr: 2000, arrAtRisk: 2000 },
      { segment: 'none', accounts: 1, arr: 300, arrAtRisk: 300 },
      { segment: 'low_touch', accounts: 1, arr: 0, arrAtRisk: 0 },
    ])
  })

  it('segments add up to the totals, and ARR at risk never exceeds ARR', () => {
    const day = fc.integer({ min: -10, max: 200 }).map((n) => new Date(Date.UTC(2026, 4, 4) + n * 86_400_000).toISOString().slice(0, 10))
    const rows = fc.array(
      fc.record({
        accountId: fc.string({ maxLength: 4 }),
        name: fc.constant(null),
        renewalDate: day,
        arr: fc.option(fc.integer({ min: 0, max: 1e6 })),
        score: fc.constant(null),
        band: fc.constantFrom('red', 'yellow', 'green', 'insufficient_data', null),
        segment: fc.option(fc.constantFrom('a', 'b')),
        owner: fc.constant(null),
      }),
    )
    fc.assert(
      fc.property(rows, fc.constantFrom(30, 90, 180), (rs, within) => {
        const { items, bySegment, totals } = upcomingRenewals(rs as UpcomingRenewalRow[], '2026-05-04', within)
        expect(totals.accounts).toBe(items.length)
        expect(bySegment.reduce((a, s) => a + s.accounts, 0)).toBe(totals.accounts)
        expect(bySegment.reduce((a, s) => a + s.arr, 0)).toBe(totals.arr)
        expect(bySegment.reduce((a, s) => a + s.arrAtRisk, 0)).toBe(totals.arrAtRisk)
        expect(totals.arrAtRisk).toBeLessThanOrEqual(totals.arr)
        expect(items.every((i, k) => i.daysLeft >= 0 && i.daysLeft <= within && (k === 0 || items[k - 1].daysLeft <= i.daysLeft))).toBe(
          true,
        )
      }),
    )
  })
})
