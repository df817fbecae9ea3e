import type { Band } from '../../../shared/constants'
import { daysBetween } from '../lib/days'

/** An account renewing soon, as the store reads it: the renewal day already checked to be a real day. */
export interface UpcomingRenewalRow {
  accountId: string
  name: string | null
  renewalDate: string
  arr: number | null
  score: number | null
  /** Null when the account has no score yet. */
  band: Band | null
  segment: string | null
  owner: string | null
}

export interface UpcomingRenewal extends UpcomingRenewalRow {
  daysLeft: number
  /** Renewing while not green (unscored and insufficient data included: nothing says it is healthy). */
  atRisk: boolean
}

export interface SegmentRenewals {
  segment: string
  accounts: number
  arr: number
  arrAtRisk: number
}

export interface RenewalTotals {
  accounts: number
  arr: number
  arrAtRisk: number
}

/** Segment name for accounts without one. */
export const NO_SEGMENT = 'none'

/**
 * Renewals from `today` to `today + withinDays` (both included), soonest first, with ARR and ARR at risk per
 * segment (most at risk first) and in total. An account without ARR counts as an account, with 0 ARR. Pure.
 */
export function upcomingRenewals(
  rows: readonly UpcomingRenewalRow[],
  today: string,
  withinDays: number,
): { items: UpcomingRenewal[]; bySegment: SegmentRenewals[]; totals: RenewalTotals } {
  const items = rows
    .map((r) => ({ ...r, daysLeft: daysBetween(today, r.renewalDate), atRisk: r.band !== 'green' }))
    .filter((r) => r.daysLeft >= 0 && r.daysLeft <= withinDays)
    .sort((a, b) => a.daysLeft - b.daysLeft || a.accountId.localeCompare(b.accountId))
  const segments = new Map<string, SegmentRenewals>()
  const totals: RenewalTotals = { accounts: 0, arr: 0, arrAtRisk: 0 }
  for (const r of items) {
    const key = r.segment ?? NO_SEGMENT
    const s = segments.get(key) ?? { segment: key, accounts: 0, arr: 0, arrAtRisk: 0 }
    const arr = r.arr ?? 0
    for (const t of [s, totals]) {
      t.accounts += 1
      t.arr += arr
      if (r.atRisk) t.arrAtRisk += arr
    }
    segments.set(key, s)
  }
  const bySegment = [...segments.values()].sort((a, b) => b.arrAtRisk - a.arrAtRisk || b.arr - a.arr || a.segment.localeCompare(b.segment))
  return { items, bySegment, totals }
}
