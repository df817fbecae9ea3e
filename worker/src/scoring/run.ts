import type { ScoringRunSummary } from '../../../shared/api/scoring'
import { listFeatures } from '../features'
import { dayOf } from '../lib/days'
import { loadProjectSettings } from '../projects'
import { segmentBenchmarks } from './benchmarks'
import { loadScoringConfig } from './config-store'
import type { ScoringInputs } from './inputs'
import { loadScoringInputs } from './inputs-store'
import { scoreProject, type AccountScoreResult } from './project'
import { writeAccountScores, writeSegmentBenchmarks, writeUserScores } from './scores-store'

/** One project scored: what was written, and what the alerts that follow read (the inputs and the new scores). */
export interface ProjectScoring {
  summary: Omit<ScoringRunSummary, 'alerts'>
  inputs: ScoringInputs
  accounts: AccountScoreResult[]
}

/**
 * Scores one project as of `now` and writes the day's snapshot. A live run also writes the latest scores, user
 * scores and benchmarks; a backfill (a past day) writes history only. Alerts are the caller's (jobs/).
 */
export async function runProjectScoring(db: D1Database, projectId: string, now: number, backfill = false): Promise<ProjectScoring> {
  const started = Date.now()
  const [{ version, config }, features, settings] = await Promise.all([
    loadScoringConfig(db, projectId),
    listFeatures(db, projectId),
    loadProjectSettings(db, projectId),
  ])
  const ruleEvents = [...new Set(config.rules.flatMap((r) => r.all.flatMap((c) => (c.event ? [c.event] : []))))]
  const inputs = await loadScoringInputs(db, projectId, now, ruleEvents)
  const loadedMs = Date.now() - started
  const { accounts, users } = scoreProject(inputs, config, features, now, { protectedAttributes: settings.attributes.protected, backfill })
  const computedMs = Date.now() - started - loadedMs
  await writeAccountScores(db, projectId, dayOf(now), version, accounts, now, { latest: !backfill })
  if (!backfill) {
    await writeUserScores(db, projectId, users, now)
    await writeSegmentBenchmarks(db, projectId, segmentBenchmarks(accounts), now)
  }
  return {
    summary: {
      project_id: projectId,
      day: dayOf(now),
      backfill,
      model_version: version,
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
