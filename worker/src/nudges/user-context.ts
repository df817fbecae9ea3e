import { ADOPTION } from '../../../shared/constants'
import { daysAgo } from '../lib/days'
import { breadthCutoff } from './breadth-cutoff'
import { decisionMetrics, type DecisionContext } from './context'

type Attributes = Record<string, unknown>

/** Scoring's rules the context follows, passed in by the store (a pure file reaches no other slice). */
export interface ScoringRules {
  /** A stored JSON object, `{}` for anything else. */
  parseAttributes: (json: string | null | undefined) => Attributes
  /** An account's attributes as scoring reads them: traits minus protected names, admin attributes on top. */
  effectiveAttributes: (traits: Attributes, attributes: Attributes, protectedNames: readonly string[]) => Attributes
  /** The smallest segment whose own percentile is a cutoff (else the `poor` anchor). */
  minCohort: number
}

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

/** One user as the refresh reads them, aggregated inside SQLite (`user-context-store.ts`). */
export interface UserContextRow {
  id: string
  account_id: string | null
  traits_json: string
  first_seen: number
  /** `{ feature: [day, …] }` over every `user_feature_days` row of the user (days outside the window are dropped here). */
  features_json: string | null
  /** The account's score row (all null without one), its feature-breadth `raw`, and its segment's breadth benchmark. */
  segment: string | null
  band: string | null
  score: number | null
  breadth: unknown
  bench_n: number | null
  p25: number | null
  p50: number | null
  p75: number | null
  p90: number | null
}

/** The first day of the adoption window on `now`'s day. */
export const windowStart = (now: number) => daysAgo(now, ADOPTION.windowDays - 1)

/**
 * A user's context from their row; `poorAnchor` is the default profile's `poor` anchor for feature breadth (the
 * cutoff of cohorts too small to compare with).
 */
export function userContextOf(row: UserContextRow, poorAnchor: number | null, now: number, rules: ScoringRules): UserContext {
  const since = windowStart(now)
  const features: Record<string, string[]> = {}
  for (const [feature, days] of Object.entries(rules.parseAttributes(row.features_json)))
    features[feature] = Array.isArray(days) ? days.filter((d): d is string => typeof d === 'string' && d >= since) : []
  const bench = row.segment && row.bench_n !== null ? { n: row.bench_n, p25: row.p25, p50: row.p50, p75: row.p75, p90: row.p90 } : null
  return {
    traits: rules.parseAttributes(row.traits_json),
    firstSeen: row.first_seen,
    features,
    account: row.account_id
      ? {
          segment: row.segment,
          band: row.band,
          score: row.score,
          breadth: typeof row.breadth === 'number' ? row.breadth : null,
          cutoffs: BREADTH_PERCENTILES.map((p) => breadthCutoff(bench, poorAnchor, p, rules.minCohort)),
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
  rules: ScoringRules,
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
      traits: rules.effectiveAttributes(
        rules.parseAttributes(account.traits_json),
        rules.parseAttributes(account.attributes_json),
        protectedAttributes,
      ),
      segment: scored?.segment ?? null,
      band: scored?.band ?? null,
      healthScore: scored?.score ?? null,
      breadth: scored?.breadth ?? null,
      breadthCutoff: breadthPercentile ? (scored?.cutoffs[BREADTH_PERCENTILES.indexOf(breadthPercentile)] ?? null) : null,
    },
    metrics: decisionMetrics(use, coreFeatures),
  }
}
