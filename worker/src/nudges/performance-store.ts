/** Per exposure group (shown / holdout) and segment: users, conversions to the target feature within N days, funnel. */
export async function nudgePerformance(db: D1Database, projectId: string, nudgeKey: string, targetFeature: string | null, days: number) {
  const { results } = await db
    .prepare(
      `SELECT s.exposure, COALESCE(sc.segment, 'none') AS segment, COUNT(*) AS users,
        SUM(CASE WHEN ?3 IS NOT NULL AND EXISTS (
          SELECT 1 FROM user_feature_days d WHERE d.project_id = s.project_id AND d.user_id = s.user_id AND d.feature_key = ?3
            AND d.day >= date(s.first_exposed_at / 1000, 'unixepoch') AND d.day <= date(s.first_exposed_at / 1000 + ?4 * 86400, 'unixepoch')
        ) THEN 1 ELSE 0 END) AS converted,
        SUM(s.clicked_at IS NOT NULL) AS clicked, SUM(s.dismissed_at IS NOT NULL) AS dismissed,
        SUM(s.snoozed_until IS NOT NULL) AS snoozed, SUM(s.completed_at IS NOT NULL) AS completed, SUM(s.shows) AS shows
       FROM nudge_states s LEFT JOIN account_scores sc ON sc.project_id = s.project_id AND sc.account_id = s.account_id
       WHERE s.project_id = ?1 AND s.nudge_key = ?2 GROUP BY s.exposure, segment`,
    )
    .bind(projectId, nudgeKey, targetFeature, days)
    .all<{ exposure: 'shown' | 'holdout'; segment: string; users: number; converted: number; clicked: number; dismissed: number; snoozed: number; completed: number; shows: number }>()
  return results
}

export async function anchorReports(db: D1Database, projectId: string) {
  const { results } = await db
    .prepare('SELECT nudge_key, path, selector, reports, last_reported_at FROM nudge_anchor_reports WHERE project_id = ?1 ORDER BY last_reported_at DESC LIMIT 200')
    .bind(projectId)
    .all<{ nudge_key: string; path: string; selector: string; reports: number; last_reported_at: number }>()
  return results.map((r) => ({ ...r, last_reported_at: new Date(r.last_reported_at).toISOString() }))
}
