import { DAY_MS } from '../lib/days'
import type { ExposureGroup } from './performance'

/**
 * Per exposure group (shown / holdout) and segment: users, conversions to the target feature within `days`
 * of first exposure, and the funnel.
 */
export async function exposureGroups(
  db: D1Database,
  projectId: string,
  nudgeKey: string,
  targetFeature: string | null,
  days: number,
  completionConverts = false,
): Promise<ExposureGroup[]> {
  const { results } = await db
    .prepare(
      `SELECT s.exposure, COALESCE(sc.segment, 'none') AS segment, COUNT(*) AS users,
        SUM(CASE WHEN ?3 IS NOT NULL AND (EXISTS (
          SELECT 1 FROM user_feature_days d WHERE d.project_id = s.project_id AND d.user_id = s.user_id AND d.feature_key = ?3
            AND d.day >= date(s.first_exposed_at / 1000, 'unixepoch') AND d.day <= date((s.first_exposed_at + ?4) / 1000, 'unixepoch')
        ) OR (?5 = 1 AND s.completed_at IS NOT NULL AND s.completed_at <= s.first_exposed_at + ?4)) THEN 1 ELSE 0 END) AS converted,
        SUM(s.clicked_at IS NOT NULL) AS clicked, SUM(s.dismissed_at IS NOT NULL) AS dismissed,
        SUM(s.snoozed_until IS NOT NULL) AS snoozed, SUM(s.completed_at IS NOT NULL) AS completed, COALESCE(SUM(s.shows), 0) AS shows
       FROM nudge_states s LEFT JOIN account_scores sc ON sc.project_id = s.project_id AND sc.account_id = s.account_id
       WHERE s.project_id = ?1 AND s.nudge_key = ?2 GROUP BY s.exposure, segment`,
    )
    .bind(projectId, nudgeKey, targetFeature, days * DAY_MS, completionConverts ? 1 : 0)
    .all<ExposureGroup>()
  return results
}

/** A tour's users per step: shown it, went past it, skipped the tour on it. */
export interface StepCounts {
  index: number
  shown: number
  advanced: number
  dismissed: number
}

/** Per step of a tour of `total` steps, its users (shown the tour, not held out) from their per-step bits. */
export async function stepCounts(db: D1Database, projectId: string, nudgeKey: string, total: number): Promise<StepCounts[]> {
  const { results } = await db
    .prepare(
      `WITH RECURSIVE steps(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM steps WHERE i + 1 < ?3)
       SELECT i AS "index", COALESCE(SUM((s.tour_shown_steps >> i) & 1), 0) AS shown, COALESCE(SUM((s.tour_advanced_steps >> i) & 1), 0) AS advanced,
         COALESCE(SUM((s.tour_dismissed_steps >> i) & 1), 0) AS dismissed
       FROM steps LEFT JOIN nudge_states s ON s.project_id = ?1 AND s.nudge_key = ?2 AND s.exposure = 'shown'
       GROUP BY i ORDER BY i`,
    )
    .bind(projectId, nudgeKey, total)
    .all<StepCounts>()
  return results
}

/** Anchors the widget reported missing, most recent first. */
export interface MissingAnchor {
  nudgeKey: string
  path: string
  selector: string
  reports: number
  lastReportedAt: number
}

export async function missingAnchors(db: D1Database, projectId: string): Promise<MissingAnchor[]> {
  const { results } = await db
    .prepare(
      'SELECT nudge_key, path, selector, reports, last_reported_at FROM nudge_anchor_reports WHERE project_id = ?1 ORDER BY last_reported_at DESC LIMIT 200',
    )
    .bind(projectId)
    .all<{ nudge_key: string; path: string; selector: string; reports: number; last_reported_at: number }>()
  return results.map((r) => ({
    nudgeKey: r.nudge_key,
    path: r.path,
    selector: r.selector,
    reports: r.reports,
    lastReportedAt: r.last_reported_at,
  }))
}
