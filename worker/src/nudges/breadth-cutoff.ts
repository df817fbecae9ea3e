/** A segment's distribution of account core breadth, as the daily run stored it. */
export interface BreadthBenchmark {
  n: number
  p25: number | null
  p50: number | null
  p75: number | null
  p90: number | null
}

/**
 * The breadth below which an account counts as "below the segment's Nth percentile": the segment's own
 * percentile when its cohort has at least `minCohort` accounts, else the absolute `poor` anchor of the default profile.
 */
export function breadthCutoff(
  bench: BreadthBenchmark | null,
  poorAnchor: number | null,
  percentile: 25 | 50 | 75 | 90,
  minCohort: number,
): number | null {
  if (bench && bench.n >= minCohort) return bench[`p${percentile}`]
  return poorAnchor
}
