import type { AccountScoreResult } from './project'
import { percentileInCohort } from './segments'

/** Below this many accounts a cohort's percentiles are noise: absolute anchors apply (docs/scoring.md §6). */
export const MIN_COHORT = 20

export interface SegmentBenchmark {
  segment: string
  measure: string
  n: number
  p25: number | null
  p50: number | null
  p75: number | null
  p90: number | null
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** Distribution of each measure's raw value per segment, and each account's percentile within its cohort. */
export function segmentBenchmarks(accounts: AccountScoreResult[]) {
  const cohorts = new Map<string, number[]>()
  for (const a of accounts) {
    for (const m of a.health.measures) {
      if (m.raw === null) continue
      const k = `${a.segment ?? 'none'}\u0000${m.key}`
      cohorts.set(k, [...(cohorts.get(k) ?? []), m.raw])
    }
  }
  const benchmarks: SegmentBenchmark[] = [...cohorts].map(([k, values]) => {
    const [segment, measure] = k.split('\u0000')
    const sorted = [...values].sort((a, b) => a - b)
    return {
      segment,
      measure,
      n: sorted.length,
      p25: quantile(sorted, 0.25),
      p50: quantile(sorted, 0.5),
      p75: quantile(sorted, 0.75),
      p90: quantile(sorted, 0.9),
    }
  })
  for (const a of accounts) {
    for (const m of a.health.measures) {
      const cohort = cohorts.get(`${a.segment ?? 'none'}\u0000${m.key}`) ?? []
      m.segment_percentile = m.raw === null ? null : percentileInCohort(m.raw, cohort, MIN_COHORT)
    }
  }
  return benchmarks
}
