/** Milliseconds in a day: every day-sized interval in the worker is a multiple of this. */
export const DAY_MS = 86_400_000

/** UTC calendar day `YYYY-MM-DD` of a millisecond timestamp; rollups are keyed by it. */
export function dayOf(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10)
}

/** The day `n` days before the day of `now` (n = 0 is today). */
export function daysAgo(now: number, n: number): string {
  return dayOf(now - n * DAY_MS)
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS)
}

/** Outcome and attribute dates are accepted from this day on. */
export const EARLIEST_DATE = '2000-01-01'

/**
 * Why a `YYYY-MM-DD` calendar day (already checked to exist) is out of range, or null: not before
 * 2000-01-01 and not after today, where "today" is the day in the earliest time zone (UTC+14), so a
 * vendor anywhere can record what happened on its own today.
 */
export function pastDateProblem(date: string, now: number): string | null {
  if (date < EARLIEST_DATE) return `must be on or after ${EARLIEST_DATE}`
  const latest = dayOf(now + 14 * 3_600_000)
  if (date > latest) return `must not be in the future (latest accepted today: ${latest})`
  return null
}
