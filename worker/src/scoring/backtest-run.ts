import { listFeatures } from '../features'
import { dayOf, DAY_MS } from '../lib/days'
import { loadProjectSettings } from '../projects'
import { latestOutcomes } from '../renewals'
import { backtestReport, type BacktestReport, type BacktestRow } from './backtest'
import type { OutcomeScores } from './calibrate'
import { loadScoringConfig } from './config-store'
import { loadScoringInputs } from './inputs-store'
import { scoreProject } from './project'
import { scoringState, type ScoringSource } from './run'

/** Each as-of day is one load of its accounts' rollups: this many days at most per request (D1 allows 1,000 queries). */
export const MAX_AS_OF_DAYS = 60

export interface ProjectBacktest {
  daysBefore: number
  modelVersion: string
  /** Accounts with an outcome, scored as of `daysBefore` days before it. */
  scored: number
  /** Accounts first seen after their as-of day: nothing to score them on. */
  notYetSeen: number
  /** Accounts left out because their as-of day was past the MAX_AS_OF_DAYS most recent ones. */
  leftOut: number
  report: BacktestReport
  /** Each scored account's measure scores and outcome: what calibration fits. */
  outcomes: OutcomeScores[]
}

/**
 * The current model's backtest on the project's own renewals: every account whose latest outcome is recorded is
 * scored as of `daysBefore` days before that outcome (rollups are kept for good, and scoring as of a past day
 * reads only the rollups up to it), then compared with what happened. Writes nothing.
 */
export async function projectBacktest(source: ScoringSource, projectId: string, daysBefore: number): Promise<ProjectBacktest> {
  // outcomes, config and accounts from D1; a sharded project's rollups from its shards
  const state = await scoringState(source, projectId)
  const db: D1Database = state.control
  const [{ version, config }, features, settings, outcomes] = await Promise.all([
    loadScoringConfig(db, projectId),
    listFeatures(db, projectId),
    loadProjectSettings(db, projectId),
    latestOutcomes(db, projectId),
  ])
  const ruleEvents = [...new Set(config.rules.flatMap((r) => r.all.flatMap((c) => (c.event ? [c.event] : []))))]
  const byDay = new Map<string, Map<string, boolean>>()
  for (const o of outcomes) {
    const day = dayOf(Date.parse(o.date) - daysBefore * DAY_MS)
    byDay.set(day, (byDay.get(day) ?? new Map()).set(o.accountId, o.kind === 'churned'))
  }
  const days = [...byDay.keys()].sort().reverse()
  const kept = days.slice(0, MAX_AS_OF_DAYS)
  const rows: BacktestRow[] = []
  const fitRows: OutcomeScores[] = []
  let notYetSeen = 0
  for (const day of kept) {
    const churned = byDay.get(day)!
    // midday UTC: the windows end on `day` whatever the time zone arithmetic
    const at = Date.parse(`${day}T12:00:00Z`)
    const inputs = await loadScoringInputs(state, projectId, at, ruleEvents, { accountIds: [...churned.keys()] })
    const seen = inputs.accounts.filter((a) => dayOf(a.firstSeen) <= day)
    notYetSeen += churned.size - seen.length
    const { accounts } = scoreProject({ ...inputs, accounts: seen }, config, features, at, {
      protectedAttributes: settings.attributes.protected,
      backfill: true,
    })
    for (const a of accounts) {
      const measures = a.health.measureScores
      const lost = churned.get(a.accountId) ?? false
      rows.push({ churned: lost, score: a.health.score, band: a.health.band, measures })
      fitRows.push({ account_id: a.accountId, churned: lost, scores: measures })
    }
  }
  return {
    daysBefore,
    modelVersion: version,
    scored: rows.length,
    notYetSeen,
    leftOut: days.slice(MAX_AS_OF_DAYS).reduce((n, d) => n + byDay.get(d)!.size, 0),
    report: backtestReport(rows),
    outcomes: fitRows,
  }
}
