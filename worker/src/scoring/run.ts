import type { ScoringRunSummary } from '../../../shared/api/scoring'
import type { Feature } from '../../../shared/features'
import type { ScoringConfig } from '../../../shared/scoring'
import { listFeatures } from '../features'
import { dayOf } from '../lib/days'
import { loadProjectSettings } from '../projects'
import { segmentBenchmarks } from './benchmarks'
import { loadScoringConfig } from './config-store'
import type { ScoringInputs } from './inputs'
import { loadScoringInputs } from './inputs-store'
import { knownVersionsOf, scoreProject, type AccountScoreResult } from './project'
import { writeAccountScores, writeSegmentBenchmarks, writeStateUserScores } from './scores-store'
import { projectState, type ProjectState, type StateEnv } from '../shards'

/** One project scored: what was written, and what the alerts that follow read (the inputs and the new scores). */
export interface ProjectScoring {
  summary: Omit<ScoringRunSummary, 'alerts'>
  inputs: ScoringInputs
  accounts: AccountScoreResult[]
}

/** What every part of a project's run shares (control plane): the model, the features, the protected attributes, the events rules count. */
export interface ScoringContext {
  version: string
  config: ScoringConfig
  features: Feature[]
  protectedAttributes: readonly string[]
  ruleEvents: string[]
}

export async function loadScoringContext(db: D1Database, projectId: string): Promise<ScoringContext> {
  const [{ version, config }, features, settings] = await Promise.all([
    loadScoringConfig(db, projectId),
    listFeatures(db, projectId),
    loadProjectSettings(db, projectId),
  ])
  const ruleEvents = [...new Set(config.rules.flatMap((r) => r.all.flatMap((c) => (c.event ? [c.event] : []))))]
  return { version, config, features, protectedAttributes: settings.attributes.protected, ruleEvents }
}

/**
 * Where a run reads and writes: the main D1 alone, the worker's env (a sharded project's shards bound), or a
 * project's layout already resolved. A bare D1 of a sharded project fails at its first shard read (503), never
 * reading or writing user-grain rows in D1.
 */
export type ScoringSource = D1Database | StateEnv | ProjectState

/** The project's state layout from any ScoringSource (N is cached per isolate). */
export async function scoringState(source: ScoringSource, projectId: string): Promise<ProjectState> {
  if ('control' in source) return source
  return projectState('prepare' in source ? { DB: source } : source, projectId)
}

/**
 * Scores one project as of `now` and writes the day's snapshot. A live run also writes the latest scores (with each
 * measure's segment percentile), user scores and benchmarks; a backfill (a past day) writes history only. Alerts are
 * the caller's (jobs/). Large projects are scored shard by shard instead (shard-run.ts).
 */
export async function runProjectScoring(source: ScoringSource, projectId: string, now: number, backfill = false): Promise<ProjectScoring> {
  const started = Date.now()
  const state = await scoringState(source, projectId)
  const db = state.control
  const ctx = await loadScoringContext(db, projectId)
  const inputs = await loadScoringInputs(state, projectId, now, ctx.ruleEvents)
  const loadedMs = Date.now() - started
  const { accounts, users } = scoreProject(inputs, ctx.config, ctx.features, now, {
    protectedAttributes: ctx.protectedAttributes,
    backfill,
  })
  // percentiles are set on the explanations before they are written
  const benchmarks = backfill ? [] : segmentBenchmarks(accounts, { known: knownVersionsOf(inputs), latest: ctx.config.latest_version })
  const computedMs = Date.now() - started - loadedMs
  await writeAccountScores(db, projectId, dayOf(now), ctx.version, accounts, now, { latest: !backfill })
  if (!backfill) {
    await writeStateUserScores(state, projectId, users, now)
    await writeSegmentBenchmarks(db, projectId, benchmarks, now)
  }
  return {
    summary: {
      project_id: projectId,
      day: dayOf(now),
      backfill,
      model_version: ctx.version,
      accounts: accounts.length,
      users: users.length,
      rows_read: inputs.rowsRead,
      load_ms: loadedMs,
      compute_ms: computedMs,
      ms: Date.now() - started,
    },
    inputs,
    accounts,
  }
}
