import type { FiredRule } from '../../../shared/api/scoring'
import type { Condition, IndicatorRule } from '../../../shared/scoring'
import { daysBetween } from '../lib/days'

/** One account's history as rule metrics need it, from rollups (days are `YYYY-MM-DD`). */
export interface RuleInputs {
  today: string
  startDay: string
  /** The oldest day the rollups were loaded for: windows from the start need the start inside it. */
  loadedFrom: string
  daily: { day: string; logins: number; valueEvents: number; meaningful: number }[]
  featureDays: { key: string; day: string; n: number }[]
  eventDays: { name: string; day: string; n: number }[]
  /** Each user's last active day, as far back as the rollups loaded (60 days). */
  userLastActive: string[]
  coreKeys: Set<string>
  healthScore: number | null
  releasesBehind: number | null
  seats: number | null
  activeUsers28: number
}

/** Longest window, in days back from today, over which `active_users` can be answered. */
export const ACTIVE_USERS_MAX_DAYS = 60

type InWindow = (day: string) => boolean

function windowOf(c: Condition, x: RuleInputs): InWindow | null {
  if (!c.window) return () => true
  const { days, from } = c.window
  if (from === 'now') return (d) => daysBetween(d, x.today) < days && d <= x.today
  if (x.startDay < x.loadedFrom || daysBetween(x.startDay, x.today) < 0) return null
  return (d) => d >= x.startDay && daysBetween(x.startDay, d) < days
}

/** A metric's value for one account, or null when it cannot be answered from the data. */
export function metricValue(c: Condition, x: RuleInputs): number | null {
  const inWindow = windowOf(c, x)
  if (!inWindow) return null
  const sum = <T>(rows: T[], pick: (r: T) => number, day: (r: T) => string) =>
    rows.filter((r) => inWindow(day(r))).reduce((a, r) => a + pick(r), 0)
  const distinctFeatures = (core: boolean) =>
    new Set(x.featureDays.filter((f) => f.n > 0 && inWindow(f.day) && (!core || x.coreKeys.has(f.key))).map((f) => f.key)).size
  switch (c.metric) {
    case 'features_used':
      return distinctFeatures(false)
    case 'core_features_used':
      return distinctFeatures(true)
    case 'core_features_total':
      return x.coreKeys.size
    case 'event_count':
      return sum(
        x.eventDays.filter((e) => e.name === c.event),
        (e) => e.n,
        (e) => e.day,
      )
    case 'active_days':
      return x.daily.filter((d) => d.meaningful > 0 && inWindow(d.day)).length
    case 'logins':
      return sum(
        x.daily,
        (d) => d.logins,
        (d) => d.day,
      )
    case 'value_events':
      return sum(
        x.daily,
        (d) => d.valueEvents,
        (d) => d.day,
      )
    case 'active_users':
      if (c.window && (c.window.from === 'start' || c.window.days > ACTIVE_USERS_MAX_DAYS)) return null
      return x.userLastActive.filter(inWindow).length
    case 'health_score':
      return x.healthScore
    case 'releases_behind':
      return x.releasesBehind
    case 'account_age_days':
      return daysBetween(x.startDay, x.today)
    case 'seats_used_ratio':
      return x.seats ? x.activeUsers28 / x.seats : null
  }
}

const compare = (a: number, op: Condition['op'], b: number) =>
  op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : op === '>=' ? a >= b : a === b

export type { FiredRule }

/** The rules that fire for an account in `segment`; a rule whose metric cannot be answered does not fire. */
export function evaluateRules(rules: IndicatorRule[], x: RuleInputs, segment: string | null): FiredRule[] {
  return rules.flatMap((rule) => {
    if (rule.segment && rule.segment !== segment) return []
    const values: Record<string, number> = {}
    for (const c of rule.all) {
      const v = metricValue(c, x)
      if (v === null || !compare(v, c.op, c.value)) return []
      values[c.event ? `${c.metric}:${c.event}` : c.metric] = v
    }
    return [{ key: rule.key, name: rule.name, kind: rule.kind, critical: rule.critical, values }]
  })
}
