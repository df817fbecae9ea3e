import { round3 } from '../lib/round'
import { MIN_COHORT, type SegmentBenchmark } from './benchmarks'
import { releasesBehind } from './versions'

/**
 * A mergeable summary of a set of scored accounts' raw measures per segment (docs/scoring.md §6), so shards can
 * each summarise their accounts and the project's segment percentiles come from the merge. Exact, not a sketch:
 * raw values are rounded to 3 decimals before scoring stores them, so a cohort's distinct values are few and a
 * (value → accounts) count is small; an exact count keeps 1 shard and N shards identical to the last digit.
 * Version lag depends on every app version seen in the project, so it is counted by the account's version and
 * turned into releases behind only after the merge. Pure; plain JSON (a queue message can carry it).
 */
export interface CohortSummary {
  /** `segment\u0000measure` → [raw value, accounts], ascending by value, counts > 0. */
  values: Record<string, [number, number][]>
  /** segment → [app version, accounts], ascending by version: accounts whose version lag is known. */
  versions: Record<string, [string, number][]>
  /** App versions seen in the last 30 days, ascending: what releases behind counts against. */
  knownVersions: string[]
}

/** What the summary takes of one scored account. */
export interface MeasuredAccount {
  segment: string | null
  health: { measures: { key: string; raw: number | null }[] }
  /** Undefined is read as unknown. */
  version?: string | null
}

const VERSION_LAG = 'version_lag'
const cohortKey = (segment: string | null, measure: string) => `${segment ?? 'none'}\u0000${measure}`

function countsOf<K extends string | number>(items: K[]): [K, number][] {
  const m = new Map<K, number>()
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1)
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

/** The summary of some accounts; `knownVersions` are the app versions their users ran in 30 days. */
export function summariseCohorts(accounts: MeasuredAccount[], knownVersions: Iterable<string>): CohortSummary {
  const values = new Map<string, number[]>()
  const versions = new Map<string, string[]>()
  const push = <K>(m: Map<string, K[]>, k: string, v: K) => {
    const list = m.get(k)
    if (list) list.push(v)
    else m.set(k, [v])
  }
  for (const a of accounts) {
    for (const m of a.health.measures) {
      if (m.key === VERSION_LAG) continue
      if (m.raw !== null) push(values, cohortKey(a.segment, m.key), m.raw)
    }
    if (a.version != null) push(versions, a.segment ?? 'none', a.version)
  }
  return {
    values: Object.fromEntries([...values].map(([k, xs]) => [k, countsOf(xs)])),
    versions: Object.fromEntries([...versions].map(([k, xs]) => [k, countsOf(xs)])),
    knownVersions: [...new Set(knownVersions)].sort(),
  }
}

/** Merge of two sorted count lists (a value in both adds its counts). */
function mergeCounts<K extends string | number>(a: [K, number][], b: [K, number][]): [K, number][] {
  const out: [K, number][] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i][0] < b[j][0])) out.push([a[i][0], a[i++][1]])
    else if (i >= a.length || b[j][0] < a[i][0]) out.push([b[j][0], b[j++][1]])
    else out.push([a[i][0], a[i++][1] + b[j++][1]])
  }
  return out
}

function mergeRecords<K extends string | number>(a: Record<string, [K, number][]>, b: Record<string, [K, number][]>) {
  const out: Record<string, [K, number][]> = { ...a }
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? mergeCounts(out[k], v) : v
  return out
}

/** Two summaries as one: associative and commutative, the empty summary its identity. */
export function mergeCohortSummaries(a: CohortSummary, b: CohortSummary): CohortSummary {
  return {
    values: mergeRecords(a.values, b.values),
    versions: mergeRecords(a.versions, b.versions),
    knownVersions: [...new Set([...a.knownVersions, ...b.knownVersions])].sort(),
  }
}

export const EMPTY_COHORTS: CohortSummary = { values: {}, versions: {}, knownVersions: [] }

/** One cohort ready to answer: its distinct values ascending and how many accounts hold a value ≤ each. */
export interface Cohort {
  values: number[]
  cumulative: number[]
  n: number
}

export interface Cohorts {
  /** `segment\u0000measure` → cohort (version lag included, as releases behind). */
  byKey: Map<string, Cohort>
  knownVersions: string[]
}

function cohortOf(counts: [number, number][]): Cohort {
  const values: number[] = []
  const cumulative: number[] = []
  let n = 0
  for (const [v, c] of counts) {
    values.push(v)
    cumulative.push((n += c))
  }
  return { values, cumulative, n }
}

/** The summary's cohorts, version lag computed against every known version and the configured latest one. */
export function finaliseCohorts(s: CohortSummary, latestVersion?: string): Cohorts {
  const byKey = new Map<string, Cohort>()
  for (const [k, counts] of Object.entries(s.values)) byKey.set(k, cohortOf(counts))
  for (const [segment, counts] of Object.entries(s.versions)) {
    const lags = new Map<number, number>()
    for (const [version, c] of counts) {
      const lag = round3(releasesBehind(version, s.knownVersions, latestVersion))
      lags.set(lag, (lags.get(lag) ?? 0) + c)
    }
    // summariseCohorts keyed the segment already ('none' for no segment)
    byKey.set(`${segment}\u0000${VERSION_LAG}`, cohortOf([...lags].sort((a, b) => a[0] - b[0])))
  }
  return { byKey, knownVersions: s.knownVersions }
}

/** Index of the first distinct value ≥ `x` (binary search). */
function lowerBound(c: Cohort, x: number): number {
  let lo = 0
  let hi = c.values.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (c.values[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Mid-rank percentile (docs/scoring.md §6) of `x` in the cohort, as `percentileInCohort` over its values; null below `minCohort`. */
export function cohortPercentile(c: Cohort | undefined, x: number, minCohort = MIN_COHORT): number | null {
  if (!c || c.n < minCohort) return null
  const i = lowerBound(c, x)
  const below = i === 0 ? 0 : c.cumulative[i - 1]
  const equal = i < c.values.length && c.values[i] === x ? c.cumulative[i] - below : 0
  return (100 * (below + equal / 2)) / c.n
}

/** Nearest-rank quantile (as `benchmarks.ts`): the value at rank ⌈q·n⌉. */
export function cohortQuantile(c: Cohort, q: number): number | null {
  if (!c.n) return null
  const rank = Math.min(c.n - 1, Math.max(0, Math.ceil(q * c.n) - 1)) + 1
  let lo = 0
  let hi = c.values.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (c.cumulative[mid] < rank) lo = mid + 1
    else hi = mid
  }
  return c.values[lo]
}

/** The segment benchmarks (p25–p90 of each measure's raw value per segment) the project stores. */
export function cohortBenchmarks(cohorts: Cohorts): SegmentBenchmark[] {
  return [...cohorts.byKey].map(([k, c]) => {
    const [segment, measure] = k.split('\u0000')
    return {
      segment,
      measure,
      n: c.n,
      p25: cohortQuantile(c, 0.25),
      p50: cohortQuantile(c, 0.5),
      p75: cohortQuantile(c, 0.75),
      p90: cohortQuantile(c, 0.9),
    }
  })
}

/** Each measure's percentile within its segment's cohort, set on the accounts' explanations in place. */
export function applyCohortPercentiles(
  accounts: { segment: string | null; health: { measures: { key: string; raw: number | null; segment_percentile?: number | null }[] } }[],
  cohorts: Cohorts,
): void {
  for (const a of accounts)
    for (const m of a.health.measures)
      m.segment_percentile = m.raw === null ? null : cohortPercentile(cohorts.byKey.get(cohortKey(a.segment, m.key)), m.raw)
}
