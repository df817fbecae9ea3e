import { applyCohortPercentiles, cohortBenchmarks, finaliseCohorts, summariseCohorts } from './cohorts'
import type { AccountScoreResult } from './project'

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

/**
 * Distribution of each measure's raw value per segment, and each account's percentile within its cohort (set in
 * place). `versions`: every app version of the project in 30 days and the configured latest, what version lag
 * counts against. One pass over the accounts and a binary search per measure: O(n log n), not one cohort copy per account.
 */
export function segmentBenchmarks(
  accounts: AccountScoreResult[],
  versions: { known: Iterable<string>; latest?: string },
): SegmentBenchmark[] {
  const cohorts = finaliseCohorts(summariseCohorts(accounts, versions.known), versions.latest)
  applyCohortPercentiles(accounts, cohorts)
  return cohortBenchmarks(cohorts)
}
