import { daysAgo } from '../lib/days'
import type { DecisionAccount } from './decide'
import { effectiveAttributes, parseAttributes } from '../scoring'

/**
 * What the decision needs about one user: profile, account, score, and feature use. Null for a user ingest
 * has never seen: the caller answers as for a user with no nudges, revealing nothing and storing nothing.
 * Account attributes are what scoring reads: client traits minus `protectedAttributes`, admin attributes on top.
 */
export async function loadDecisionContext(db: D1Database, projectId: string, userId: string, now: number, protectedAttributes: readonly string[]) {
  const since = daysAgo(now, 29)
  const [user, features, core] = await Promise.all([
    db.prepare('SELECT id, account_id, traits_json, first_seen FROM users WHERE project_id = ?1 AND id = ?2').bind(projectId, userId)
      .first<{ id: string; account_id: string | null; traits_json: string; first_seen: number }>(),
    db.prepare(`SELECT feature_key, COUNT(DISTINCT CASE WHEN day >= ?3 THEN day END) AS days_30d FROM user_feature_days
      WHERE project_id = ?1 AND user_id = ?2 GROUP BY feature_key`).bind(projectId, userId, since).all<{ feature_key: string; days_30d: number }>(),
    db.prepare('SELECT key FROM features WHERE project_id = ?1 AND core = 1').bind(projectId).all<{ key: string }>(),
  ])
  if (!user) return null
  const account = user.account_id
    ? await db.prepare(`SELECT a.id, a.traits_json, a.attributes_json, s.segment, s.band, s.score, json_extract(s.explanation_json, '$.measures') AS measures FROM accounts a
        LEFT JOIN account_scores s ON s.project_id = a.project_id AND s.account_id = a.id WHERE a.project_id = ?1 AND a.id = ?2`)
        .bind(projectId, user.account_id).first<{ id: string; traits_json: string; attributes_json: string; segment: string | null; band: string | null; score: number | null; measures: string | null }>()
    : null
  const coreKeys = core.results.map((c) => c.key)
  const used = new Set(features.results.map((f) => f.feature_key))
  const recent = features.results.filter((f) => f.days_30d > 0).map((f) => f.feature_key)
  const measures = (() => {
    const m: unknown = JSON.parse(account?.measures ?? '[]')
    return Array.isArray(m) ? (m as { key: string; raw: number | null }[]) : []
  })()
  return {
    user: { id: user.id, traits: parseAttributes(user.traits_json), firstSeen: user.first_seen },
    account: (account
      ? {
          id: account.id, traits: effectiveAttributes(parseAttributes(account.traits_json), parseAttributes(account.attributes_json), protectedAttributes),
          segment: account.segment, band: account.band, healthScore: account.score,
          breadth: measures.find((m) => m.key === 'feature_breadth')?.raw ?? null,
        }
      : null) as DecisionAccount | null,
    metrics: {
      usedFeatures: used,
      adoptedFeatures: new Set(features.results.filter((f) => f.days_30d >= 3).map((f) => f.feature_key)),
      breadth: coreKeys.length ? recent.filter((k) => coreKeys.includes(k)).length / coreKeys.length : null,
    },
  }
}
