import { raiseAlerts } from '../alerts/raise'
import { listFeatures } from '../db/features'
import { purgeExpiredEvents } from '../db/retention'
import { loadScoringConfig } from '../db/scoring-config'
import { loadScoringRows } from '../db/scoring-inputs'
import { writeAccountScores, writeSegmentBenchmarks, writeUserScores } from '../db/scores'
import { segmentBenchmarks } from './benchmarks'
import { dayOf } from '../lib/days'
import { scoreProject } from './project'

/** Scores one project now and writes latest scores and today's snapshot: the cron's unit of work. */
export async function runProjectScoring(db: D1Database, projectId: string, now: number) {
  const started = Date.now()
  const [{ version, config }, features] = await Promise.all([loadScoringConfig(db, projectId), listFeatures(db, projectId)])
  const ruleEvents = [...new Set(config.rules.flatMap((r) => r.all.flatMap((c) => (c.event ? [c.event] : []))))]
  const rows = await loadScoringRows(db, projectId, now, ruleEvents)
  const loadedMs = Date.now() - started
  const { accounts, users } = scoreProject(rows, config, features, now)
  const benchmarks = segmentBenchmarks(accounts)
  const computedMs = Date.now() - started - loadedMs
  await writeAccountScores(db, projectId, dayOf(now), version, accounts, now)
  await writeUserScores(db, projectId, users, now)
  await writeSegmentBenchmarks(db, projectId, benchmarks, now)
  const alerts = await raiseAlerts(db, projectId, rows, accounts, now)
  return { project_id: projectId, model_version: version, accounts: accounts.length, users: users.length, alerts, rows_read: rows.rowsRead, load_ms: loadedMs, compute_ms: computedMs, ms: Date.now() - started }
}

/** The daily Cron Trigger: every project scored, then raw events past retention purged. */
export async function dailyRun(db: D1Database, now: number) {
  const { results } = await db.prepare('SELECT id FROM projects ORDER BY id').all<{ id: string }>()
  const projects = []
  for (const { id } of results) projects.push(await runProjectScoring(db, id, now))
  const purged = await purgeExpiredEvents(db, now)
  return { projects, purged }
}
