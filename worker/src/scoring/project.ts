import type { Feature } from '../../../shared/features'
import { CHURN_RISK } from '../../../shared/constants'
import { bandRule, predictedRisk, type RiskCurve, type ScoringConfig } from '../../../shared/scoring'
import { dayOf, daysAgo, daysBetween } from '../lib/days'
import type { AccountUsage } from './account-measures'
import { accountHealth, type AccountHealth } from './account-health'
import { accountNps, dateAttr, DEFAULT_PROTECTED_ATTRIBUTES, effectiveAttributes, numberAttr, type Attributes } from './attributes'
import { replayBandState, type Band, type BandState } from './bands'
import { DEFAULT_PROFILE } from './defaults'
import { evaluateRules, type FiredRule, type RuleInputs } from './indicators'
import { LOAD_DAYS, type AccountInput, type ScoringInputs, type UserActivity, type UserInput } from './inputs'
import { pes, type Pes } from './pes'
import { segmentOf } from './segments'
import { trend, type Trend } from './trend'
import { usageMetrics, type UsageMetrics } from './usage-metrics'
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
  metrics: UsageMetrics
  version: string | null
  dataFreshUntil: number
  /** The admin-owned renewal date (`YYYY-MM-DD`), when valid. */
  renewalDate: string | null
  /** Predicted churn risk of the score, when the profile has a fitted risk curve. */
  predictedRisk: number | null
  /** The profile's band rule in words. */
  bandRule: string
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

export const ONBOARDING_DAYS = 30

export interface ScoreOptions {
  /** Account attribute names only admins set (project settings); client traits of these names are ignored. */
  protectedAttributes?: readonly string[]
  /** A run as of a past day: band hysteresis is replayed from that day's earlier snapshots, not the latest state. */
  backfill?: boolean
  /** Every app version the project ran in 30 days, when the rows hold only some accounts (a shard): what releases behind counts against. */
  knownVersions?: readonly string[]
}

/** The distinct app versions in the rows (the project's, when the rows are the whole project's). */
export const knownVersionsOf = (rows: Pick<ScoringInputs, 'versions'>): string[] => [...new Set(rows.versions.map((v) => v.appVersion))]

/** The project's rollup rows grouped for per-account lookups, and what every account shares. */
function indexRows(rows: ScoringInputs, features: Feature[], now: number, opts: ScoreOptions) {
  return {
    now,
    backfill: opts.backfill ?? false,
    protectedAttributes: opts.protectedAttributes ?? DEFAULT_PROTECTED_ATTRIBUTES,
    today: dayOf(now),
    coreKeys: new Set(features.filter((f) => f.core).map((f) => f.key)),
    valueFeatures: features.filter((f) => f.kind === 'value').length,
    usersByAccount: groupBy(rows.users, (u) => u.accountId),
    activity: new Map(rows.userActivity.map((u) => [u.userId, u])),
    featuresByUser: groupBy(rows.userFeatures30, (f) => f.userId),
    days: groupBy(rows.accountDays, (r) => r.accountId),
    featureDays: groupBy(rows.accountFeatureDays, (r) => r.accountId),
    eventDays: groupBy(rows.accountEventDays, (r) => r.accountId),
    versions: groupBy(rows.versions, (r) => r.accountId),
    knownVersions: opts.knownVersions ? [...opts.knownVersions] : knownVersionsOf(rows),
    previous: new Map(rows.previous.map((p) => [p.accountId, p])),
    history: groupBy(rows.history, (h) => h.accountId),
  }
}
type Index = ReturnType<typeof indexRows>

function scoreUser(u: UserInput, ix: Index): UserScoreResult {
  const a = ix.activity.get(u.id)
  const core = (ix.featuresByUser.get(u.id) ?? []).filter((f) => ix.coreKeys.has(f.featureKey)).length
  const s = userScore(
    {
      activeDays28: a?.activeDays28 ?? 0,
      activeDays30: a?.activeDays30 ?? 0,
      activeDaysPrev30: a?.activeDaysPrev30 ?? 0,
      coreUsed30: core,
      coreTotal: ix.coreKeys.size,
      valueEvents30: a?.valueEvents30 ?? 0,
      daysSinceActive: a?.lastActiveDay ? daysBetween(a.lastActiveDay, ix.today) : null,
      ageDays: daysBetween(dayOf(u.firstSeen), ix.today),
    },
    ix.valueFeatures > 0,
  )
  return { userId: u.id, accountId: u.accountId, score: s.score, profile: s.profile, measures: s.measures }
}

/** docs/scoring.md §3 inputs for one account from its members' aggregates. */
function accountUsage(
  acct: AccountInput,
  attrs: Attributes,
  members: UserActivity[],
  hauDays: number,
  version: string | null,
  ix: Index,
  config: ScoringConfig,
): AccountUsage {
  const active28 = members.filter((m) => m.activeDays28 > 0)
  const active30 = members.filter((m) => m.activeDays30 > 0)
  // a core feature counts as adopted by the account when max(1, 10%) of its active users used it
  const adoptionThreshold = Math.max(1, Math.ceil(0.1 * active30.length))
  const coreUse = new Map<string, number>()
  for (const m of active30)
    for (const f of ix.featuresByUser.get(m.userId) ?? [])
      if (ix.coreKeys.has(f.featureKey)) coreUse.set(f.featureKey, (coreUse.get(f.featureKey) ?? 0) + 1)
  const sum = (pick: (m: UserActivity) => number) => members.reduce((a, m) => a + pick(m), 0)
  return {
    seats: numberAttr(attrs, 'seats'),
    knownUsers: ix.usersByAccount.get(acct.id)?.length ?? 0,
    activeUsers28: active28.length,
    hauUsers: active28.filter((m) => m.activeDays28 >= hauDays).length,
    activeUsers30: active30.length,
    coreFeatures: ix.coreKeys.size,
    coreFeaturesAdopted: [...coreUse.values()].filter((n) => n >= adoptionThreshold).length,
    valueFeatures: ix.valueFeatures,
    valueEvents30: sum((m) => m.valueEvents30),
    activeUserDays30: sum((m) => m.activeDays30),
    activeUserDaysPrev30: sum((m) => m.activeDaysPrev30),
    releasesBehind: version ? releasesBehind(version, ix.knownVersions, config.latest_version) : null,
    nps: accountNps(attrs),
  }
}

function ruleInputs(acct: AccountInput, members: UserActivity[], usage: AccountUsage, healthScore: number | null, ix: Index): RuleInputs {
  return {
    today: ix.today,
    startDay: dayOf(acct.firstSeen),
    loadedFrom: daysAgo(ix.now, LOAD_DAYS - 1),
    daily: ix.days.get(acct.id) ?? [],
    featureDays: (ix.featureDays.get(acct.id) ?? []).map((r) => ({ key: r.featureKey, day: r.day, n: r.n })),
    eventDays: ix.eventDays.get(acct.id) ?? [],
    userLastActive: members.flatMap((m) => (m.lastActiveDay ? [m.lastActiveDay] : [])),
    coreKeys: ix.coreKeys,
    healthScore,
    releasesBehind: usage.releasesBehind,
    seats: usage.seats,
    activeUsers28: usage.activeUsers28,
  }
}

/** docs/scoring.md §10 churn_risk, as readable reasons (empty when not at risk). */
function churnReasons(
  band: Band,
  t: Trend,
  flags: FiredRule[],
  renewalDate: string | null,
  today: string,
  risk: { curve: RiskCurve; p: number | null } | null,
): string[] {
  const renewal = renewalDate === null ? null : daysBetween(today, renewalDate)
  const pct = (p: number) => `${Math.round(p * 1000) / 10}%`
  return [
    band !== 'red'
      ? null
      : risk && risk.p !== null
        ? `predicted churn risk ${pct(risk.p)} (red from ${pct(risk.curve.red_at)})`
        : 'health band red',
    t.delta30 !== null && t.delta30 <= -CHURN_RISK.scoreDrop30 ? `score down ${-t.delta30} points in 30 days` : null,
    ...flags.filter((f) => f.kind === 'risk' && f.critical).map((f) => f.name),
    renewal !== null && renewal >= 0 && renewal <= CHURN_RISK.renewalWithinDays && band !== 'green'
      ? `renewal in ${renewal} days and not green`
      : null,
  ].filter((r): r is string => r !== null)
}

/** The band state this run starts from: the stored latest one, or for a backfill the replay of earlier snapshots. */
function previousBand(acct: AccountInput, ix: Index, bands: ScoringConfig['profiles'][string]['bands']): BandState | null {
  if (ix.backfill) return replayBandState(ix.history.get(acct.id) ?? [], bands)
  const prev = ix.previous.get(acct.id)
  return prev ? { band: prev.band, pending: prev.pendingBand, pendingSince: prev.pendingSince } : null
}

function scoreAccount(acct: AccountInput, ix: Index, config: ScoringConfig): AccountScoreResult {
  const attrs = effectiveAttributes(acct.traits, acct.attributes, ix.protectedAttributes)
  const segment = segmentOf(attrs, config.segments)
  // young accounts are scored on the onboarding profile when the config has one (docs/scoring.md §4, first 30 days)
  const onboarding = daysBetween(dayOf(acct.firstSeen), ix.today) < ONBOARDING_DAYS && 'onboarding' in config.profiles
  const profileName = onboarding ? 'onboarding' : (segment?.profile ?? segment?.key ?? 'default')
  const profile = config.profiles[profileName] ?? config.profiles.default ?? DEFAULT_PROFILE
  const members = (ix.usersByAccount.get(acct.id) ?? []).map((u) => ix.activity.get(u.id)).filter((a) => a !== undefined)
  const version =
    (ix.versions.get(acct.id) ?? []).sort((a, b) => b.lastDay.localeCompare(a.lastDay) || compareVersions(b.appVersion, a.appVersion))[0]
      ?.appVersion ?? null
  const usage = accountUsage(acct, attrs, members, profile.hau_days, version, ix, config)
  const health = accountHealth(usage, profile, previousBand(acct, ix, profile.bands), ix.today)
  const history = (ix.history.get(acct.id) ?? [])
    .filter((h) => h.score !== null)
    .map((h) => [daysBetween(h.day, ix.today), h.score as number] as [number, number])
  const t = trend(health.score, history)
  const flags = evaluateRules(config.rules, ruleInputs(acct, members, usage, health.score, ix), segment?.key ?? null)
  const renewalDate = dateAttr(attrs, 'renewal_date')
  const risk = profile.risk && health.score !== null ? predictedRisk(profile.risk, health.score) : null
  const reasons = churnReasons(health.band, t, flags, renewalDate, ix.today, profile.risk ? { curve: profile.risk, p: risk } : null)
  return {
    accountId: acct.id,
    segment: segment?.key ?? null,
    profile: profileName,
    health,
    trend: t,
    flags,
    churnRisk: reasons.length > 0,
    churnReasons: reasons,
    version,
    dataFreshUntil: acct.lastSeen,
    renewalDate,
    predictedRisk: risk === null ? null : Math.round(risk * 10_000) / 10_000,
    bandRule: bandRule(profile),
    pes: pes(members, ix.coreKeys.size, ix.featuresByUser, ix.coreKeys),
    metrics: usageMetrics(members),
  }
}

/** Scores every account and user of a project from its rollup rows. Pure: the cron does the I/O. */
export function scoreProject(rows: ScoringInputs, config: ScoringConfig, features: Feature[], now: number, opts: ScoreOptions = {}) {
  const ix = indexRows(rows, features, now, opts)
  return { accounts: rows.accounts.map((a) => scoreAccount(a, ix, config)), users: rows.users.map((u) => scoreUser(u, ix)) }
}
