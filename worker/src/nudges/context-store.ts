import { ADOPTION } from '../../../shared/constants'
import { daysAgo } from '../lib/days'
import { MIN_COHORT, effectiveAttributes, loadScoringConfig, loadSegmentBenchmark, parseAttributes } from '../scoring'
import { breadthCutoff } from './breadth-cutoff'
import { decisionMetrics, type DecisionContext } from './context'
import type { DecisionAccount } from './decide'

export type { DecisionContext } from './context'

interface AccountRow {
  id: string
  traits_json: string
  attributes_json: string
  segment: string | null
  band: string | null
  score: number | null
  breadth: unknown
}

// the account's core breadth as the last scoring run measured it, read inside SQLite from its explanation
const ACCOUNT_SQL = `SELECT a.id, a.traits_json, a.attributes_json, s.segment, s.band, s.score,
    (SELECT json_extract(m.value, '$.raw') FROM json_each(CASE WHEN json_valid(s.explanation_json) THEN s.explanation_json ELSE '{}' END, '$.measures') m
      WHERE json_extract(m.value, '$.key') = 'feature_breadth') AS breadth
  FROM accounts a LEFT JOIN account_scores s ON s.project_id = a.project_id AND s.account_id = a.id
  WHERE a.project_id = ?1 AND a.id = ?2`

/**
 * What the decision needs about one user: profile, account, score, and feature use. Null for a user ingest
 * has never seen: the caller answers as for a user with no nudges, revealing nothing and storing nothing.
 * Account attributes are what scoring reads: client traits minus `protectedAttributes`, admin attributes on top.
 * With `breadthPercentile`, the account also carries the cutoff of its segment for that percentile.
 */
export async function loadDecisionContext(
  db: D1Database,
  projectId: string,
  userId: string,
  now: number,
  protectedAttributes: readonly string[],
  breadthPercentile?: 25 | 50 | 75 | 90,
  /** the shard holding the user's rows (`db` when the project is not sharded); the account's rows stay on `db` */
  shard: D1Database = db,
): Promise<DecisionContext | null> {
  const since = daysAgo(now, ADOPTION.windowDays - 1)
  const [user, features, core] = await Promise.all([
    shard
      .prepare('SELECT id, account_id, traits_json, first_seen FROM users WHERE project_id = ?1 AND id = ?2')
      .bind(projectId, userId)
      .first<{ id: string; account_id: string | null; traits_json: string; first_seen: number }>(),
    shard
      .prepare(
        `SELECT feature_key, COUNT(DISTINCT CASE WHEN day >= ?3 THEN day END) AS days FROM user_feature_days
      WHERE project_id = ?1 AND user_id = ?2 GROUP BY feature_key`,
      )
      .bind(projectId, userId, since)
      .all<{ feature_key: string; days: number }>(),
    db.prepare('SELECT key FROM features WHERE project_id = ?1 AND core = 1').bind(projectId).all<{ key: string }>(),
  ])
  if (!user) return null
  const row = user.account_id ? await db.prepare(ACCOUNT_SQL).bind(projectId, user.account_id).first<AccountRow>() : null
  const account: DecisionAccount | null = row && {
    id: row.id,
    traits: effectiveAttributes(parseAttributes(row.traits_json), parseAttributes(row.attributes_json), protectedAttributes),
    segment: row.segment,
    band: row.band,
    healthScore: row.score,
    breadth: typeof row.breadth === 'number' ? row.breadth : null,
    breadthCutoff: breadthPercentile ? await loadBreadthCutoff(db, projectId, row.segment, breadthPercentile) : null,
  }
  return {
    user: { id: user.id, traits: parseAttributes(user.traits_json), firstSeen: user.first_seen },
    account,
    metrics: decisionMetrics(
      features.results.map((f) => ({ feature: f.feature_key, daysInWindow: f.days })),
      core.results.map((c) => c.key),
    ),
  }
}

async function loadBreadthCutoff(
  db: D1Database,
  projectId: string,
  segment: string | null,
  percentile: 25 | 50 | 75 | 90,
): Promise<number | null> {
  const [bench, { config }] = await Promise.all([
    segment ? loadSegmentBenchmark(db, projectId, segment, 'feature_breadth') : null,
    loadScoringConfig(db, projectId),
  ])
  return breadthCutoff(bench, config.profiles.default?.measures.feature_breadth?.anchor.poor ?? null, percentile, MIN_COHORT)
}
