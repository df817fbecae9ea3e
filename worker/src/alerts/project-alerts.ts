import type { FiredRule, Trend } from '../../../shared/api/scoring'
import type { Band } from '../../../shared/constants'
import { dayOf, daysAgo, daysBetween } from '../lib/days'
import { accountAlerts, type Alert } from './triggers'

/** What the last run left: each account's previous score, band and fired rules, and 30 days of daily bands. */
export interface ScoresBefore {
  previous: { accountId: string; score: number | null; band: Band; flagKeys: string[] }[]
  history: { accountId: string; day: string; band: string }[]
}

/** An account's new score, as the scoring run gives it. */
export interface NewScore {
  accountId: string
  health: { score: number | null; band: Band }
  trend: Pick<Trend, 'delta7' | 'delta30'>
  renewalDate: string | null
  flags: FiredRule[]
}

/** Consecutive red days ending today, from the last 30 days of snapshots plus today's band. */
function redStreak(band: Band, history: { day: string; band: string }[], now: number): number {
  if (band !== 'red') return 0
  const red = new Set(history.filter((h) => h.band === 'red').map((h) => h.day))
  let days = 1
  while (red.has(daysAgo(now, days))) days++
  return days
}

/** Every alert the new scores raise across a project, before cooldowns. Pure. */
export function projectAlerts(rows: ScoresBefore, results: NewScore[], now: number): Alert[] {
  const previous = new Map(rows.previous.map((p) => [p.accountId, p]))
  const history = new Map<string, { day: string; band: string }[]>()
  for (const h of rows.history) history.set(h.accountId, [...(history.get(h.accountId) ?? []), h])
  return results.flatMap((r) => {
    const prev = previous.get(r.accountId)
    return accountAlerts({
      accountId: r.accountId,
      score: r.health.score,
      previousScore: prev?.score ?? null,
      band: r.health.band,
      previousBand: prev?.band ?? null,
      delta7: r.trend.delta7,
      delta30: r.trend.delta30,
      redDays: redStreak(r.health.band, history.get(r.accountId) ?? [], now),
      // the admin-owned renewal date, already type-checked by scoring
      renewalInDays: r.renewalDate === null ? null : daysBetween(dayOf(now), r.renewalDate),
      flags: r.flags,
      // a first score has no previous flags to compare with: rules already true are not news
      previousFlagKeys: prev ? new Set(prev.flagKeys) : new Set(r.flags.map((f) => f.key)),
    })
  })
}
