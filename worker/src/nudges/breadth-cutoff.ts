import { MIN_COHORT } from '../scoring'
import { loadScoringConfig } from '../scoring'
import { loadSegmentBenchmark } from '../scoring'

/**
 * The breadth below which an account counts as "below the segment's Nth percentile": the segment's own
 * percentile when its cohort is large enough, else the absolute `poor` anchor of the default profile.
 */
export async function breadthCutoff(db: D1Database, projectId: string, segment: string | null, percentile: 25 | 50 | 75 | 90): Promise<number | null> {
  const bench = segment ? await loadSegmentBenchmark(db, projectId, segment, 'feature_breadth') : null
  if (bench && bench.n >= MIN_COHORT) return bench[`p${percentile}`]
  const { config } = await loadScoringConfig(db, projectId)
  return config.profiles.default?.measures.feature_breadth?.anchor.poor ?? null
}
