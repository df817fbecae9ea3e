import type { SegmentBenchmark } from './benchmarks'
import type { AccountScoreResult, UserScoreResult } from './project'

const CHUNK = 50

async function inChunks(db: D1Database, statements: D1PreparedStatement[]): Promise<void> {
  for (let i = 0; i < statements.length; i += CHUNK) await db.batch(statements.slice(i, i + CHUNK))
}

/**
 * Latest score per account plus the day's snapshot (re-running the same day overwrites it); a backfill
 * (`latest: false`) writes the snapshot only, so history never replaces the current score.
 */
export async function writeAccountScores(db: D1Database, projectId: string, day: string, version: string, results: AccountScoreResult[], now: number, opts = { latest: true }): Promise<void> {
  const latest = db.prepare(
    `INSERT INTO account_scores (project_id, account_id, day, model_version, score, band, pending_band, pending_runs, segment, profile,
       churn_risk, delta30, explanation_json, flags_json, computed_at, data_fresh_until, pending_since)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
     ON CONFLICT (project_id, account_id) DO UPDATE SET day = excluded.day, model_version = excluded.model_version, score = excluded.score,
       band = excluded.band, pending_band = excluded.pending_band, pending_runs = excluded.pending_runs, pending_since = excluded.pending_since, segment = excluded.segment,
       profile = excluded.profile, churn_risk = excluded.churn_risk, delta30 = excluded.delta30, explanation_json = excluded.explanation_json,
       flags_json = excluded.flags_json, computed_at = excluded.computed_at, data_fresh_until = excluded.data_fresh_until`,
  )
  const snapshot = db.prepare(
    `INSERT OR REPLACE INTO account_score_snapshots (project_id, account_id, day, model_version, score, band, segment, measures_json, flags_json)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
  )
  const statements = results.flatMap((r) => {
    const explanation = {
      measures: r.health.measures, risk_drivers: r.health.risk_drivers, health_drivers: r.health.health_drivers,
      present_weight_share: r.health.present_weight_share, trend: r.trend, pes: r.pes, metrics: r.metrics, churn_reasons: r.churnReasons, app_version: r.version,
    }
    const flags = JSON.stringify(r.flags)
    const measures = JSON.stringify(r.health.measures.map((m) => ({ key: m.key, raw: m.raw, score: m.score, weight: m.weight })))
    const snap = snapshot.bind(projectId, r.accountId, day, version, r.health.score, r.health.band, r.segment, measures, flags)
    if (!opts.latest) return [snap]
    return [
      // pending_runs is kept for older readers: 1 while a change waits for its second day
      latest.bind(projectId, r.accountId, day, version, r.health.score, r.health.band, r.health.bandState.pending, r.health.bandState.pending ? 1 : 0,
        r.segment, r.profile, r.churnRisk ? 1 : 0, r.trend.delta30, JSON.stringify(explanation), flags, now, r.dataFreshUntil, r.health.bandState.pendingSince),
      snap,
    ]
  })
  await inChunks(db, statements)
}

export async function writeUserScores(db: D1Database, projectId: string, results: UserScoreResult[], now: number): Promise<void> {
  const stmt = db.prepare(
    `INSERT INTO user_scores (project_id, user_id, account_id, score, profile, measures_json, computed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (project_id, user_id) DO UPDATE SET account_id = excluded.account_id, score = excluded.score, profile = excluded.profile,
       measures_json = excluded.measures_json, computed_at = excluded.computed_at`,
  )
  await inChunks(db, results.map((u) => stmt.bind(projectId, u.userId, u.accountId, u.score, u.profile, JSON.stringify(u.measures), now)))
}

export async function writeSegmentBenchmarks(db: D1Database, projectId: string, benchmarks: SegmentBenchmark[], now: number): Promise<void> {
  const stmt = db.prepare(
    `INSERT OR REPLACE INTO segment_benchmarks (project_id, segment, measure, n, p25, p50, p75, p90, computed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
  )
  await inChunks(db, [
    db.prepare('DELETE FROM segment_benchmarks WHERE project_id = ?1').bind(projectId),
    ...benchmarks.map((b) => stmt.bind(projectId, b.segment, b.measure, b.n, b.p25, b.p50, b.p75, b.p90, now)),
  ])
}

export async function loadSegmentBenchmark(db: D1Database, projectId: string, segment: string, measure: string) {
  return db
    .prepare('SELECT n, p25, p50, p75, p90 FROM segment_benchmarks WHERE project_id = ?1 AND segment = ?2 AND measure = ?3')
    .bind(projectId, segment, measure)
    .first<{ n: number; p25: number | null; p50: number | null; p75: number | null; p90: number | null }>()
}
