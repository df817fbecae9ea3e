const DAY_MS = 86_400_000

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

export { DAY_MS }
