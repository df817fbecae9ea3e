import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  cohortBenchmarks,
  cohortPercentile,
  EMPTY_COHORTS,
  finaliseCohorts,
  mergeCohortSummaries,
  summariseCohorts,
  type MeasuredAccount,
} from '../../../worker/src/scoring/cohorts'
import { percentileInCohort } from '../../../worker/src/scoring/segments'
import { releasesBehind } from '../../../worker/src/scoring/versions'
import { scoringShardsFor, splitByShard } from '../../../worker/src/scoring/shard-split'
import { shardOf } from '../../../worker/src/shards/shard-of'

const MEASURES = ['seat_activation', 'feature_breadth', 'momentum']
const VERSIONS = ['1.0.0', '1.1.0', '2.0.0', '2.0.1', '3.0.0']

/** Raw values on the 3-decimal grid scoring stores, few enough that cohorts repeat values. */
const raw = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -50, max: 50 }).map((n) => n / 20),
  fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
)
const account = fc.record({
  segment: fc.constantFrom('high', 'low', null),
  raws: fc.array(raw, { minLength: MEASURES.length, maxLength: MEASURES.length }),
  version: fc.option(fc.constantFrom(...VERSIONS), { nil: null }),
})
type Gen = { segment: string | null; raws: (number | null)[]; version: string | null }

/** The account as scoring would leave it with `known` versions: version lag is releases behind among them. */
const measured = (a: Gen, known: string[], latest?: string): MeasuredAccount => ({
  segment: a.segment,
  version: a.version,
  health: {
    measures: [
      ...MEASURES.map((key, i) => ({ key, raw: a.raws[i] })),
      { key: 'version_lag', raw: a.version === null ? null : releasesBehind(a.version, known, latest) },
    ],
  },
})

/** The reference: every cohort as a plain array, percentiles by `percentileInCohort`, nearest-rank quantiles by sorting. */
function naive(accounts: MeasuredAccount[]) {
  const cohorts = new Map<string, number[]>()
  for (const a of accounts)
    for (const m of a.health.measures) {
      if (m.raw === null) continue
      const k = `${a.segment ?? 'none'}\u0000${m.key}`
      cohorts.set(k, [...(cohorts.get(k) ?? []), m.raw])
    }
  const q = (s: number[], p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]
  const benchmarks = [...cohorts].map(([k, xs]) => {
    const s = [...xs].sort((a, b) => a - b)
    const [segment, measure] = k.split('\u0000')
    return { segment, measure, n: s.length, p25: q(s, 0.25), p50: q(s, 0.5), p75: q(s, 0.75), p90: q(s, 0.9) }
  })
  const percentiles = accounts.map((a) =>
    a.health.measures.map((m) =>
      m.raw === null ? null : percentileInCohort(m.raw, cohorts.get(`${a.segment ?? 'none'}\u0000${m.key}`)!, 5),
    ),
  )
  return { benchmarks, percentiles }
}

const byKey = (b: { segment: string; measure: string }[]) =>
  [...b].sort((x, y) => `${x.segment}/${x.measure}`.localeCompare(`${y.segment}/${y.measure}`))

describe('cohort summaries', () => {
  it('merged over any split into shards, give exactly the percentiles and benchmarks of all the accounts together', () => {
    fc.assert(
      fc.property(
        fc.array(account, { maxLength: 80 }),
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.constantFrom(...VERSIONS), { nil: undefined }),
        fc.nat(),
        (gen, shards, latest, seed) => {
          const known = [...new Set(gen.flatMap((a) => (a.version ? [a.version] : [])))]
          const all = gen.map((a) => measured(a, known, latest))
          // each shard sees only its own versions: the lag is recomputed after the merge
          const parts = Array.from({ length: shards }, (_, s) => gen.filter((_, i) => (i * 7 + seed) % shards === s))
          const summaries = parts.map((p) =>
            summariseCohorts(
              p.map((a) =>
                measured(
                  a,
                  p.flatMap((x) => (x.version ? [x.version] : [])),
                ),
              ),
              p.flatMap((a) => (a.version ? [a.version] : [])),
            ),
          )
          const merged = finaliseCohorts(summaries.reduce(mergeCohortSummaries, EMPTY_COHORTS), latest)
          const ref = naive(all)
          expect(byKey(cohortBenchmarks(merged))).toEqual(byKey(ref.benchmarks))
          const got = all.map((a) =>
            a.health.measures.map((m) =>
              m.raw === null ? null : cohortPercentile(merged.byKey.get(`${a.segment ?? 'none'}\u0000${m.key}`), m.raw, 5),
            ),
          )
          expect(got).toEqual(ref.percentiles)
        },
      ),
    )
  })

  it('merge is commutative and associative, with the empty summary as identity', () => {
    const summary = fc.array(account, { maxLength: 30 }).map((g) => {
      const known = g.flatMap((a) => (a.version ? [a.version] : []))
      return summariseCohorts(
        g.map((a) => measured(a, known)),
        known,
      )
    })
    fc.assert(
      fc.property(summary, summary, summary, (a, b, c) => {
        expect(mergeCohortSummaries(a, b)).toEqual(mergeCohortSummaries(b, a))
        expect(mergeCohortSummaries(mergeCohortSummaries(a, b), c)).toEqual(mergeCohortSummaries(a, mergeCohortSummaries(b, c)))
        expect(mergeCohortSummaries(a, EMPTY_COHORTS)).toEqual(a)
      }),
    )
  })

  it('holds one entry per distinct value, however many accounts share it', () => {
    const accounts = Array.from({ length: 10_000 }, (_, i) =>
      measured({ segment: null, raws: [(i % 4) / 4, null, null], version: null }, []),
    )
    const s = summariseCohorts(accounts, [])
    expect(s.values['none\u0000seat_activation']).toEqual([
      [0, 2500],
      [0.25, 2500],
      [0.5, 2500],
      [0.75, 2500],
    ])
  })

  it('turns versions into releases behind against every shard’s versions and the configured latest', () => {
    const a = summariseCohorts([measured({ segment: 'x', raws: [null, null, null], version: '1.0.0' }, [])], ['1.0.0'])
    const b = summariseCohorts([measured({ segment: 'x', raws: [null, null, null], version: '3.0.0' }, [])], ['2.0.0', '3.0.0'])
    const lag = finaliseCohorts(mergeCohortSummaries(a, b), '2.0.0').byKey.get('x\u0000version_lag')
    // 1.0.0 is 1 behind (2.0.0; 3.0.0 is past the latest), 3.0.0 is 0 behind
    expect(lag).toEqual({ values: [0, 1], cumulative: [1, 2], n: 2 })
  })

  it('gives no percentile under the minimum cohort', () => {
    const c = finaliseCohorts(summariseCohorts([measured({ segment: null, raws: [1, null, null], version: null }, [])], [])).byKey.get(
      'none\u0000seat_activation',
    )
    expect(cohortPercentile(c, 1)).toBeNull()
    expect(cohortPercentile(c, 1, 1)).toBe(50)
  })
})

describe('splitByShard', () => {
  it('puts every key in exactly one shard, the one shardOf names (account-less users by "user:<id>")', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string(), { maxLength: 50 }),
        fc.uniqueArray(fc.string(), { maxLength: 20 }),
        fc.integer({ min: 1, max: 16 }),
        (accounts, users, n) => {
          const split = splitByShard(accounts, users, n)
          expect(split).toHaveLength(n)
          expect(split.flatMap((s) => s.accountIds).sort()).toEqual([...accounts].sort())
          expect(split.flatMap((s) => s.looseUserIds).sort()).toEqual([...users].sort())
          split.forEach((s, i) => {
            for (const a of s.accountIds) expect(shardOf(a, n)).toBe(i)
            for (const u of s.looseUserIds) expect(shardOf(`user:${u}`, n)).toBe(i)
          })
        },
      ),
    )
  })
})

describe('scoringShardsFor', () => {
  it('scores up to 5,000 accounts in one pass, then in 8 shards, then in shards of at most 1,250 accounts', () => {
    expect(scoringShardsFor(5_000)).toBe(1)
    expect(scoringShardsFor(5_001)).toBe(8)
    expect(scoringShardsFor(10_000)).toBe(8)
    expect(scoringShardsFor(10_001)).toBe(9)
    expect(scoringShardsFor(100_000)).toBe(80)
    fc.assert(
      fc.property(fc.integer({ min: 5_001, max: 10_000_000 }), (n) => {
        expect(n / scoringShardsFor(n)).toBeLessThanOrEqual(1_250)
      }),
    )
  })
})
