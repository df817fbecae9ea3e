import { daysBetween } from '../lib/days'

/** One stored daily score of an account. */
export interface ScorePoint {
  accountId: string
  day: string
  score: number | null
}

/**
 * Each account's daily scores over the `days` days ending on `lastDay`, oldest first: null on a day with no
 * stored score (no run that day, or the account unscored). Accounts without any point get all nulls. Pure.
 */
export function dailySeries(
  accountIds: readonly string[],
  points: readonly ScorePoint[],
  lastDay: string,
  days: number,
): Map<string, (number | null)[]> {
  const out = new Map<string, (number | null)[]>(accountIds.map((id) => [id, Array.from({ length: days }, () => null)]))
  for (const p of points) {
    const series = out.get(p.accountId)
    const i = days - 1 - daysBetween(p.day, lastDay)
    if (series && i >= 0 && i < days) series[i] = p.score
  }
  return out
}
