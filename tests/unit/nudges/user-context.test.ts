import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { daysAgo } from '../../../worker/src/lib/days'
import { breadthCutoff } from '../../../worker/src/nudges/breadth-cutoff'
import { decisionMetrics, type DecisionContext } from '../../../worker/src/nudges/context'
import {
  BREADTH_PERCENTILES,
  decisionContextOf,
  readUserContext,
  userContextOf,
  type BreadthPercentile,
  type LiveAccount,
  type ScoringRules,
  type UserContextRow,
} from '../../../worker/src/nudges/user-context'
import { effectiveAttributes, parseAttributes } from '../../../worker/src/scoring/attributes'
import { MIN_COHORT } from '../../../worker/src/scoring/benchmarks'

const DAY = 86_400_000
const RULES: ScoringRules = { parseAttributes, effectiveAttributes, minCohort: MIN_COHORT }
const T0 = Date.parse('2026-06-01T10:00:00Z')
const FEATURES = ['a', 'b', 'c', 'd']
const number = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x + 0) // JSON has no -0
const json = fc.oneof(
  fc
    .dictionary(fc.constantFrom('plan', 'role', 'tier', '__proto__'), fc.oneof(fc.string(), number, fc.boolean(), fc.constant(null)))
    .map((o) => JSON.stringify(o)),
  fc.constantFrom('{bad', '[]', '7', 'null'),
)

const input = fc.record({
  accountId: fc.option(fc.constantFrom('acc', 'other'), { nil: null }),
  accountRowExists: fc.boolean(),
  traits: json,
  accountTraits: json,
  accountAttributes: json,
  firstSeen: fc.integer({ min: 0, max: T0 }),
  featureDays: fc.uniqueArray(fc.tuple(fc.constantFrom(...FEATURES), fc.integer({ min: -1, max: 70 })), {
    selector: ([f, d]) => `${f}:${d}`,
    maxLength: 30,
  }),
  segment: fc.option(fc.constantFrom('smb', 'mid'), { nil: null }),
  band: fc.option(fc.constantFrom('red', 'green'), { nil: null }),
  score: fc.option(number, { nil: null }),
  breadth: fc.oneof(number, fc.constant(null), fc.constant('0.5')),
  bench: fc.option(
    fc.record({ n: fc.integer({ min: 0, max: 50 }), p: fc.array(fc.option(number, { nil: null }), { minLength: 4, maxLength: 4 }) }),
    { nil: null },
  ),
  anchor: fc.option(number, { nil: null }),
  core: fc.subarray(FEATURES),
  laterDays: fc.integer({ min: 0, max: 40 }),
  percentile: fc.option(fc.constantFrom(...BREADTH_PERCENTILES), { nil: undefined }),
})
type Input = typeof input extends fc.Arbitrary<infer T> ? T : never

const rowOf = (i: Input): UserContextRow => {
  const features: Record<string, string[]> = {}
  for (const [f, d] of i.featureDays) (features[f] ??= []).push(daysAgo(T0, d))
  return {
    id: 'u',
    account_id: i.accountId,
    traits_json: i.traits,
    first_seen: i.firstSeen,
    features_json: JSON.stringify(features),
    segment: i.segment,
    band: i.band,
    score: i.score,
    breadth: i.breadth,
    bench_n: i.bench?.n ?? null,
    p25: i.bench?.p[0] ?? null,
    p50: i.bench?.p[1] ?? null,
    p75: i.bench?.p[2] ?? null,
    p90: i.bench?.p[3] ?? null,
  }
}
const liveAccount = (i: Input): LiveAccount | null =>
  i.accountId && i.accountRowExists ? { id: i.accountId, traits_json: i.accountTraits, attributes_json: i.accountAttributes } : null

/** What loadDecisionContext makes of the same rows on `now`: the reference the stored context must reproduce. */
function fromRows(i: Input, now: number, percentile?: BreadthPercentile): DecisionContext {
  const since = daysAgo(now, 29)
  const days = new Map<string, number>()
  for (const [f, d] of i.featureDays) days.set(f, (days.get(f) ?? 0) + (daysAgo(T0, d) >= since ? 1 : 0))
  const account = liveAccount(i)
  const bench = i.segment && i.bench ? { n: i.bench.n, p25: i.bench.p[0], p50: i.bench.p[1], p75: i.bench.p[2], p90: i.bench.p[3] } : null
  return {
    user: { id: 'u', traits: parseAttributes(i.traits), firstSeen: i.firstSeen },
    account: account && {
      id: account.id,
      traits: effectiveAttributes(parseAttributes(i.accountTraits), parseAttributes(i.accountAttributes), ['tier']),
      segment: i.segment,
      band: i.band,
      healthScore: i.score,
      breadth: typeof i.breadth === 'number' ? i.breadth : null,
      breadthCutoff: percentile ? breadthCutoff(bench, i.anchor, percentile, MIN_COHORT) : null,
    },
    metrics: decisionMetrics(
      [...days].map(([feature, daysInWindow]) => ({ feature, daysInWindow })),
      i.core,
    ),
  }
}

describe('user context', () => {
  it('round-trips through its stored JSON', () => {
    fc.assert(
      fc.property(input, (i) => {
        const ctx = userContextOf(rowOf(i), i.anchor, T0, RULES)
        expect(readUserContext(JSON.stringify(ctx))).toEqual(ctx)
      }),
    )
  })

  it('gives the decision what the rows give it, on the day it was written and on any later day', () => {
    fc.assert(
      fc.property(input, (i) => {
        const now = T0 + i.laterDays * DAY
        const stored = readUserContext(JSON.stringify(userContextOf(rowOf(i), i.anchor, T0, RULES)))!
        expect(decisionContextOf('u', stored, liveAccount(i), i.core, now, RULES, ['tier'], i.percentile)).toEqual(
          fromRows(i, now, i.percentile),
        )
      }),
    )
  })

  it('keeps only the days inside the adoption window, and every feature ever used', () => {
    const row = rowOf({
      featureDays: [
        ['a', 0],
        ['a', 29],
        ['a', 30],
        ['b', 45],
      ],
    } as Input)
    expect(userContextOf({ ...row, account_id: null }, null, T0, RULES).features).toEqual({ a: [daysAgo(T0, 0), daysAgo(T0, 29)], b: [] })
  })

  it.each([
    ['nothing', null],
    ['text that is not JSON', '{oops'],
    ['an array', '[]'],
    ['features that are not lists', JSON.stringify({ traits: {}, firstSeen: 1, features: { a: 3 }, account: null })],
    ['an account without its four cutoffs', JSON.stringify({ traits: {}, firstSeen: 1, features: {}, account: { cutoffs: [1] } })],
  ])('reads %s as no context (the caller falls back to the rows)', (_name, stored) => {
    expect(readUserContext(stored)).toBeNull()
  })
})
