// The scoring slice as the rest of the worker sees it: other slices import only from here.
export { SURVEY_NPS, dateAttr, effectiveAttributes, numberAttr, parseAttributes, stringAttr } from './attributes'
export type { Band } from './bands'
export { MIN_COHORT } from './benchmarks'
export { loadScoringConfig } from './config-store'
export { healthRoutes } from './health-routes'
export type { FiredRule } from './indicators'
export type { ScoringInputs } from './inputs'
export type { AccountScoreResult } from './project'
export { scoringAdminRoutes } from './routes'
export { runProjectScoring, scoringState, type ScoringContext, type ScoringSource } from './run'
export {
  alignedShards,
  measureQueuedShard,
  planShardedRun,
  runScoring,
  scoreQueuedShard,
  scoreShard,
  ScoringConfigChanged,
  SCORING_SHARDS,
  SHARDED_SCORING_MIN_ACCOUNTS,
  splitByShard,
  writeQueuedBenchmarks,
  type RunContext,
  type ScoreShardMessage,
  type ShardKeys,
} from './shard-run'
export type { CohortSummary } from './cohorts'
export { loadSegmentBenchmark } from './scores-store'
export { conditionsHold, segmentOf } from './segments'
