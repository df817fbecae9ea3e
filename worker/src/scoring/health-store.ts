import { LATEST_OUTCOME_ID } from '../renewals'

export interface ScoreRow {
  account_id: string
  name: string | null
  day: string
  model_version: string
  score: number | null
  band: string
  pending_band: string | null
  segment: string | null
  profile: string
  churn_risk: number
  delta30: number | null
  explanation_json: string
  flags_json: string
  computed_at: number
  data_fresh_until: number | null
}

const SELECT = `SELECT s.account_id, a.name, s.day, s.model_version, s.score, s.band, s.pending_band, s.segment, s.profile, s.churn_risk, s.delta30,
  s.explanation_json, s.flags_json, s.computed_at, s.data_fresh_until
  FROM account_scores s JOIN accounts a ON a.project_id = s.project_id AND a.id = s.account_id`

// accounts whose latest recorded outcome is a churn are gone: left out of rankings unless asked for
const CHURNED = `SELECT 1 FROM account_outcomes o WHERE o.project_id = s.project_id AND o.account_id = s.account_id AND o.kind = 'churned'
  AND o.id = ${LATEST_OUTCOME_ID}`

export interface RankFilter {
  includeChurned?: boolean
  band?: string
  segment?: string
  churnRisk?: boolean
  sort: 'risk' | 'health'
  limit: number
}

/** Accounts ranked by health (best first) or risk (churn risk first, then lowest score). */
export async function rankAccounts(db: D1Database, projectId: string, f: RankFilter): Promise<ScoreRow[]> {
  const order = f.sort === 'health' ? 's.score IS NULL, s.score DESC' : 's.churn_risk DESC, s.score IS NULL, s.score ASC'
  const { results } = await db
    .prepare(`${SELECT} WHERE s.project_id = ?1 AND (?2 IS NULL OR s.band = ?2) AND (?3 IS NULL OR s.segment = ?3) AND (?4 IS NULL OR s.churn_risk = ?4)
      AND (?6 = 1 OR NOT EXISTS (${CHURNED}))
      ORDER BY ${order}, s.account_id LIMIT ?5`)
    .bind(projectId, f.band ?? null, f.segment ?? null, f.churnRisk === undefined ? null : f.churnRisk ? 1 : 0, f.limit, f.includeChurned ? 1 : 0)
    .all<ScoreRow>()
  return results
}

export function findAccountScore(db: D1Database, projectId: string, accountId: string): Promise<ScoreRow | null> {
  return db.prepare(`${SELECT} WHERE s.project_id = ?1 AND s.account_id = ?2`).bind(projectId, accountId).first<ScoreRow>()
}

export async function scoreHistory(db: D1Database, projectId: string, accountId: string, sinceDay: string) {
  const { results } = await db
    .prepare('SELECT day, model_version, score, band, segment FROM account_score_snapshots WHERE project_id = ?1 AND account_id = ?2 AND day >= ?3 ORDER BY day')
    .bind(projectId, accountId, sinceDay)
    .all<{ day: string; model_version: string; score: number | null; band: string; segment: string | null }>()
  return results
}

export async function accountUserScores(db: D1Database, projectId: string, accountId: string) {
  const { results } = await db
    // INDEXED BY: without table statistics SQLite would scan the project's user scores by primary key
    .prepare('SELECT user_id, score, profile, measures_json, computed_at FROM user_scores INDEXED BY idx_user_scores_project_id_account_id WHERE project_id = ?1 AND account_id = ?2 ORDER BY score DESC')
    .bind(projectId, accountId)
    .all<{ user_id: string; score: number | null; profile: string; measures_json: string; computed_at: number }>()
  return results
}

export function findUserScore(db: D1Database, projectId: string, userId: string) {
  return db
    .prepare('SELECT user_id, account_id, score, profile, measures_json, computed_at FROM user_scores WHERE project_id = ?1 AND user_id = ?2')
    .bind(projectId, userId)
    .first<{ user_id: string; account_id: string | null; score: number | null; profile: string; measures_json: string; computed_at: number }>()
}

/** Per feature: accounts and users using it in 30 days, across the project. */
export async function featureAdoption(db: D1Database, projectId: string, sinceDay: string) {
  const { results } = await db
    .prepare(
      `SELECT f.key, f.name, f.kind, f.core, COUNT(DISTINCT d.account_id) AS accounts_30d, COUNT(DISTINCT d.user_id) AS users_30d, COALESCE(SUM(d.n), 0) AS uses_30d
       FROM features f LEFT JOIN user_feature_days d ON d.project_id = f.project_id AND d.feature_key = f.key AND d.day >= ?2
       WHERE f.project_id = ?1 GROUP BY f.key ORDER BY accounts_30d DESC, f.key`,
    )
    .bind(projectId, sinceDay)
    .all<{ key: string; name: string; kind: string; core: number; accounts_30d: number; users_30d: number; uses_30d: number }>()
  return results
}

/** For each account with a renewal outcome: which features it used at least `minUses` times in its first `days` days. */
export async function outcomeCohort(db: D1Database, projectId: string, days: number) {
  const [outcomes, uses] = await Promise.all([
    db.prepare(
      `SELECT o.account_id, o.kind FROM account_outcomes o
       WHERE o.project_id = ?1 AND o.kind IN ('renewed', 'churned', 'expanded', 'contracted')
         AND o.id = ${LATEST_OUTCOME_ID}`,
    ).bind(projectId).all<{ account_id: string; kind: string }>(),
    db.prepare(
      `SELECT d.account_id, d.feature_key, SUM(d.n) AS n FROM user_feature_days d
       JOIN accounts a ON a.project_id = d.project_id AND a.id = d.account_id
       WHERE d.project_id = ?1 AND d.account_id IN (SELECT account_id FROM account_outcomes WHERE project_id = ?1) AND d.day < date(a.first_seen / 1000 + ?2 * 86400, 'unixepoch')
       GROUP BY d.account_id, d.feature_key`,
    ).bind(projectId, days).all<{ account_id: string; feature_key: string; n: number }>(),
  ])
  return { outcomes: outcomes.results, uses: uses.results }
}
