import { ADOPTION } from '../../../shared/constants'
import { daysAgo } from '../lib/days'
import { MIN_COHORT, effectiveAttributes, parseAttributes } from '../scoring'
import { breadthCutoff, type BreadthBenchmark } from './breadth-cutoff'
import { decisionMetrics, type DecisionContext } from './context'

/** The segment percentiles a nudge can target breadth below (`targeting.breadth_below_segment_percentile`). */
export const BREADTH_PERCENTILES = [25, 50, 75, 90] as const
export type BreadthPercentile = (typeof BREADTH_PERCENTILES)[number]

/**
 * What is kept per user in `user_contexts.context_json`: everything the decision needs that changes only with
 * ingest (traits, feature use) or a scoring run (score, band, segment, breadth, cutoffs). Account attributes,
 * core features and nudge states change through other writers and are read live in the same statement.
 */
export interface UserContext {
  traits: Record<string, unknown>
  firstSeen: number
  /** Every feature the user ever used, with its days (`YYYY-MM-DD`) inside the adoption window when written. */
  features: Record<string, string[]>
  /** The user's account as the last scoring run left it; null for a user without an account. */
  account: {
    segment: string | null
    band: string | null
    score: number | null
    breadth: number | null
    /** The breadth cutoff for each of `BREADTH_PERCENTILES`, in that order. */
    cutoffs: (number | null)[]
  } | null
}

/** The rows one context is built from; `refreshUserContexts` builds the same JSON inside SQLite. */
export interface UserContextRows {
  user: { traits_json: string; first_seen: number; account_id: string | null }
  /** Every `user_feature_days` row of the user. */
  featureDays: { feature_key: string; day: string }[]
  score: { segment: string | null; band: string | null; score: number | null; breadth: unknown } | null
  /** The feature-breadth benchmark of the account's segment. */
  benchmark: BreadthBenchmark | null
  /** The default profile's `poor` anchor for feature breadth: the cutoff of cohorts too small to compare with. */
  poorAnchor: number | null
}

/** The first day of the adoption window on `now`'s day. */
export const windowStart = (now: number) => daysAgo(now, ADOPTION.windowDays - 1)

export function userContextOf(rows: UserContextRows, now: number): UserContext {
  const since = windowStart(now)
  const features: Record<string, string[]> = {}
  for (const { feature_key, day } of rows.featureDays) {
    const days = (features[feature_key] ??= [])
    if (day >= since) days.push(day)
  }
  const s = rows.score
  return {
    traits: parseAttributes(rows.user.traits_json),
    firstSeen: rows.user.first_seen,
    features,
    account: rows.user.account_id
      ? {
          segment: s?.segment ?? null,
          band: s?.band ?? null,
          score: s?.score ?? null,
          breadth: typeof s?.breadth === 'number' ? s.breadth : null,
          cutoffs: BREADTH_PERCENTILES.map((p) => breadthCutoff(s?.segment ? rows.benchmark : null, rows.poorAnchor, p, MIN_COHORT)),
        }
      : null,
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const numberOrNull = (v: unknown) => (typeof v === 'number' ? v : null)
const stringOrNull = (v: unknown) => (typeof v === 'string' ? v : null)

/** A stored context, or null when there is none or it does not read as one (the caller falls back to the rows). */
export function readUserContext(json: string | null): UserContext | null {
  if (!json) return null
  let v: unknown
  try {
    v = JSON.parse(json)
  } catch {
    return null
  }
  if (!isObject(v) || !isObject(v.traits) || typeof v.firstSeen !== 'number' || !isObject(v.features)) return null
  const features: Record<string, string[]> = {}
  for (const [k, days] of Object.entries(v.features)) {
    if (!Array.isArray(days)) return null
    features[k] = days.filter((d): d is string => typeof d === 'string')
  }
  const a = v.account
  if (a !== null && !(isObject(a) && Array.isArray(a.cutoffs) && a.cutoffs.length === BREADTH_PERCENTILES.length)) return null
  return {
    traits: v.traits,
    firstSeen: v.firstSeen,
    features,
    account: a && {
      segment: stringOrNull(a.segment),
      band: stringOrNull(a.band),
      score: numberOrNull(a.score),
      breadth: numberOrNull(a.breadth),
      cutoffs: (a.cutoffs as unknown[]).map(numberOrNull),
    },
  }
}

/** The account row as the decision reads it live: its attributes have writers other than ingest (PATCH, surveys). */
export interface LiveAccount {
  id: string
  traits_json: string
  attributes_json: string
}

/**
 * The decision's view of a user from the stored context, the live account row (null when the user has no
 * account or the account row is gone) and the project's core features, on `now`'s adoption window.
 */
export function decisionContextOf(
  userId: string,
  ctx: UserContext,
  account: LiveAccount | null,
  coreFeatures: string[],
  now: number,
  protectedAttributes: readonly string[],
  breadthPercentile?: BreadthPercentile,
): DecisionContext {
  const since = windowStart(now)
  const use = Object.entries(ctx.features).map(([feature, days]) => ({ feature, daysInWindow: days.filter((d) => d >= since).length }))
  const scored = ctx.account
  return {
    user: { id: userId, traits: ctx.traits, firstSeen: ctx.firstSeen },
    account: account && {
      id: account.id,
      traits: effectiveAttributes(parseAttributes(account.traits_json), parseAttributes(account.attributes_json), protectedAttributes),
      segment: scored?.segment ?? null,
      band: scored?.band ?? null,
      healthScore: scored?.score ?? null,
      breadth: scored?.breadth ?? null,
      breadthCutoff: breadthPercentile ? (scored?.cutoffs[BREADTH_PERCENTILES.indexOf(breadthPercentile)] ?? null) : null,
    },
    metrics: decisionMetrics(use, coreFeatures),
  }
}
