import type { Feature } from '../../../shared/features'
import type { ScoringConfig } from '../../../shared/scoring'
import type { ScoringRows } from '../db/scoring-inputs'
import { LOAD_DAYS } from '../db/scoring-inputs'
import { dayOf, daysAgo, daysBetween } from '../lib/days'
import type { AccountUsage } from './account-measures'
import { accountHealth, type AccountHealth } from './account-health'
import type { Band, BandState } from './bands'
import { DEFAULT_PROFILE } from './defaults'
import { evaluateRules, type FiredRule } from './indicators'
import { pes, type Pes } from './pes'
import { segmentOf } from './segments'
import { trend, type Trend } from './trend'
import { userScore } from './user-score'
import { compareVersions, releasesBehind } from './versions'

export interface AccountScoreResult {
  accountId: string
  segment: string | null
  profile: string
  health: AccountHealth
  trend: Trend
  flags: FiredRule[]
  churnRisk: boolean
  churnReasons: string[]
  pes: Pes
  version: string | null
  dataFreshUntil: number
}

export interface UserScoreResult {
  userId: string
  accountId: string | null
  score: number | null
  profile: string
  measures: unknown
}

const groupBy = <T>(rows: T[], key: (r: T) => string | null) => {
  const m = new Map<string, T[]>()
  for (const r of rows) {
    const k = key(r)
    if (k === null) continue
    const list = m.get(k)
    if (list) list.push(r)
    else m.set(k, [r])
  }
  return m
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() && !Number.isNaN(Number(v)) ? Number(v) : null)

/** Scores every account and user of a project from its rollup rows. Pure: the cron does the I/O. */
export function scoreProject(rows: ScoringRows, config: ScoringConfig, features: Feature[], now: number) {
  const today = dayOf(now)
  const coreKeys = new Set(features.filter((f) => f.core).map((f) => f.key))
  const valueFeatures = features.filter((f) => f.kind === 'value').length
  const usersByAccount = groupBy(rows.users, (u) => u.account_id)
  const agg = new Map(rows.userAgg.map((u) => [u.user_id, u]))
  const featuresByUser = groupBy(rows.userFeatures30, (f) => f.user_id)
  const days = groupBy(rows.accountDays, (r) => r.account_id)
  const featureDays = groupBy(rows.accountFeatureDays, (r) => r.account_id)
  const eventDays = groupBy(rows.accountEventDays, (r) => r.account_id)
  const versions = groupBy(rows.versions, (r) => r.account_id)
  const knownVersions = [...new Set(rows.versions.map((v) => v.app_version))]
  const previous = new Map(rows.previous.map((p) => [p.account_id, p]))
  const history = groupBy(rows.history, (h) => h.account_id)

  const userResults: UserScoreResult[] = rows.users.map((u) => {
    const a = agg.get(u.id)
    const core = (featuresByUser.get(u.id) ?? []).filter((f) => coreKeys.has(f.feature_key)).length
    const s = userScore(
      { activeDays28: a?.a28 ?? 0, activeDays30: a?.a30 ?? 0, activeDaysPrev30: a?.p30 ?? 0, coreUsed30: core, coreTotal: coreKeys.size, valueEvents30: a?.v30 ?? 0,
        daysSinceActive: a?.last_active ? daysBetween(a.last_active, today) : null, ageDays: daysBetween(dayOf(u.first_seen), today) },
      valueFeatures > 0,
    )
    return { userId: u.id, accountId: u.account_id, score: s.score, profile: s.profile, measures: s.measures }
  })

  const accountResults: AccountScoreResult[] = rows.accounts.map((acct) => {
    const traits = JSON.parse(acct.traits_json) as Record<string, unknown>
    const segment = segmentOf(traits, config.segments)
    const profileName = segment?.profile ?? segment?.key ?? 'default'
    const profile = config.profiles[profileName] ?? config.profiles.default ?? DEFAULT_PROFILE
    const members = (usersByAccount.get(acct.id) ?? []).map((u) => agg.get(u.id)).filter((a) => a !== undefined)
    const active28 = members.filter((m) => m.a28 > 0)
    const active30 = members.filter((m) => m.a30 > 0)
    const adoptionThreshold = Math.max(1, Math.ceil(0.1 * active30.length))
    const coreUse = new Map<string, number>()
    for (const m of active30) for (const f of featuresByUser.get(m.user_id) ?? []) if (coreKeys.has(f.feature_key)) coreUse.set(f.feature_key, (coreUse.get(f.feature_key) ?? 0) + 1)
    const accountVersions = (versions.get(acct.id) ?? []).sort((a, b) => b.last_day.localeCompare(a.last_day) || compareVersions(b.app_version, a.app_version))
    const version = accountVersions[0]?.app_version ?? null
    const usage: AccountUsage = {
      seats: num(traits.seats),
      knownUsers: usersByAccount.get(acct.id)?.length ?? 0,
      activeUsers28: active28.length,
      hauUsers: active28.filter((m) => m.a28 >= profile.hauDays).length,
      activeUsers30: active30.length,
      coreFeatures: coreKeys.size,
      coreFeaturesAdopted: [...coreUse.values()].filter((n) => n >= adoptionThreshold).length,
      valueFeatures,
      valueEvents30: members.reduce((a, m) => a + m.v30, 0),
      activeUserDays30: members.reduce((a, m) => a + m.a30, 0),
      activeUserDaysPrev30: members.reduce((a, m) => a + m.p30, 0),
      releasesBehind: version ? releasesBehind(version, knownVersions, config.latestVersion) : null,
      nps: num(traits.nps),
    }
    const prev = previous.get(acct.id)
    const prevState: BandState | null = prev ? { band: prev.band as Band, pending: (prev.pending_band as Band) ?? null, pendingRuns: prev.pending_runs } : null
    const health = accountHealth(usage, profile, prevState)
    const hist = (history.get(acct.id) ?? []).filter((h) => h.score !== null).map((h) => [daysBetween(h.day, today), h.score as number] as [number, number])
    const t = trend(health.score, hist)
    const startDay = dayOf(acct.first_seen)
    const flags = evaluateRules(
      config.rules,
      {
        today, startDay, loadedFrom: daysAgo(now, LOAD_DAYS - 1),
        daily: (days.get(acct.id) ?? []).map((r) => ({ day: r.day, logins: r.logins, valueEvents: r.value_events, meaningful: r.meaningful })),
        featureDays: (featureDays.get(acct.id) ?? []).map((r) => ({ key: r.feature_key, day: r.day, n: r.n })),
        eventDays: eventDays.get(acct.id) ?? [],
        userLastActive: members.flatMap((m) => (m.last_active ? [m.last_active] : [])),
        coreKeys, healthScore: health.score, releasesBehind: usage.releasesBehind, seats: usage.seats, activeUsers28: usage.activeUsers28,
      },
      segment?.key ?? null,
    )
    const renewal = typeof traits.renewal_date === 'string' ? daysBetween(today, traits.renewal_date) : null
    const churnReasons = [
      health.band === 'red' ? 'health band red' : null,
      t.delta30 !== null && t.delta30 <= -15 ? `score down ${-t.delta30} points in 30 days` : null,
      ...flags.filter((f) => f.kind === 'risk' && f.critical).map((f) => f.name),
      renewal !== null && renewal >= 0 && renewal <= 90 && health.band !== 'green' ? `renewal in ${renewal} days and not green` : null,
    ].filter((r): r is string => r !== null)
    return {
      accountId: acct.id, segment: segment?.key ?? null, profile: profileName, health, trend: t, flags,
      churnRisk: churnReasons.length > 0, churnReasons, version, dataFreshUntil: acct.last_seen,
      pes: pes(members, coreKeys.size, featuresByUser, coreKeys),
    }
  })
  return { accounts: accountResults, users: userResults }
}
