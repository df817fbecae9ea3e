import { DAY_MS } from '../lib/days'
import type { ExposureGroup } from './performance'

// ?3 target feature, ?4 conversion window (ms), ?5 whether a completion converts; the same on D1 and on a shard
const CONVERTED = `SUM(CASE WHEN ?3 IS NOT NULL AND (EXISTS (
          SELECT 1 FROM user_feature_days d WHERE d.project_id = s.project_id AND d.user_id = s.user_id AND d.feature_key = ?3
            AND d.day >= date(s.first_exposed_at / 1000, 'unixepoch') AND d.day <= date((s.first_exposed_at + ?4) / 1000, 'unixepoch')
        ) OR (?5 = 1 AND s.completed_at IS NOT NULL AND s.completed_at <= s.first_exposed_at + ?4)) THEN 1 ELSE 0 END) AS converted,
        SUM(s.clicked_at IS NOT NULL) AS clicked, SUM(s.dismissed_at IS NOT NULL) AS dismissed,
        SUM(s.snoozed_until IS NOT NULL) AS snoozed, SUM(s.completed_at IS NOT NULL) AS completed, COALESCE(SUM(s.shows), 0) AS shows`

const COUNTS = ['users', 'converted', 'shows', 'clicked', 'dismissed', 'snoozed', 'completed'] as const

/**
 * Per exposure group (shown / holdout) and segment: users, conversions to the target feature within `days`
 * of first exposure, and the funnel. A sharded project passes its shards (`state.all()`): each counts per account,
 * and the accounts' segments (D1) sum them into the same groups, in the same order.
 */
export async function exposureGroups(
  db: D1Database,
  projectId: string,
  nudgeKey: string,
  targetFeature: string | null,
  days: number,
  completionConverts = false,
  shards: readonly D1Database[] = [db],
): Promise<ExposureGroup[]> {
  const params = [projectId, nudgeKey, targetFeature, days * DAY_MS, completionConverts ? 1 : 0] as const
  if (shards.length === 1 && shards[0] === db) {
    const { results } = await db
      .prepare(
        `SELECT s.exposure, COALESCE(sc.segment, 'none') AS segment, COUNT(*) AS users,
        ${CONVERTED}
       FROM nudge_states s LEFT JOIN account_scores sc ON sc.project_id = s.project_id AND sc.account_id = s.account_id
       WHERE s.project_id = ?1 AND s.nudge_key = ?2 GROUP BY s.exposure, segment`,
      )
      .bind(...params)
      .all<ExposureGroup>()
    return results
  }
  type PerAccount = Omit<ExposureGroup, 'segment'> & { account_id: string | null }
  const [segments, ...perShard] = await Promise.all([
    // the project's scored accounts (bounded by accounts, the grain D1 keeps), read once beside the shards
    db
      .prepare('SELECT account_id, segment FROM account_scores WHERE project_id = ?1 AND segment IS NOT NULL')
      .bind(projectId)
      .all<{ account_id: string; segment: string }>(),
    ...shards.map((shard) =>
      shard
        .prepare(
          `SELECT s.exposure, s.account_id, COUNT(*) AS users,
        ${CONVERTED}
       FROM nudge_states s WHERE s.project_id = ?1 AND s.nudge_key = ?2 GROUP BY s.exposure, s.account_id`,
        )
        .bind(...params)
        .all<PerAccount>(),
    ),
  ])
  const segmentOf = new Map(segments.results.map((r) => [r.account_id, r.segment]))
  // grouped as the unsharded SQL groups: `GROUP BY segment` names account_scores.segment (NULL: not scored, shown as 'none')
  const groups = new Map<string, { raw: string | null; group: ExposureGroup }>()
  for (const { results } of perShard)
    for (const { account_id, ...row } of results) {
      const raw = (account_id === null ? undefined : segmentOf.get(account_id)) ?? null
      const key = JSON.stringify([row.exposure, raw])
      const entry = groups.get(key) ?? {
        raw,
        group: {
          exposure: row.exposure,
          segment: raw ?? 'none',
          users: 0,
          converted: 0,
          shows: 0,
          clicked: 0,
          dismissed: 0,
          snoozed: 0,
          completed: 0,
        },
      }
      for (const c of COUNTS) entry.group[c] += row[c]
      groups.set(key, entry)
    }
  // GROUP BY's order: exposure, then the stored segment with NULL first
  const order = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1)
  return [...groups.values()].sort((a, b) => order(a.group.exposure, b.group.exposure) || order(a.raw, b.raw)).map((e) => e.group)
}

/** A tour's users per step: shown it, went past it, skipped the tour on it. */
export interface StepCounts {
  index: number
  shown: number
  advanced: number
  dismissed: number
}

/** Per step of a tour of `total` steps, its users (shown the tour, not held out) from their per-step bits; summed over `shards`. */
export async function stepCounts(
  db: D1Database,
  projectId: string,
  nudgeKey: string,
  total: number,
  shards: readonly D1Database[] = [db],
): Promise<StepCounts[]> {
  const perShard = await Promise.all(shards.map((shard) => shardStepCounts(shard, projectId, nudgeKey, total)))
  if (perShard.length === 1) return perShard[0]
  return perShard[0].map((step, i) => ({
    index: step.index,
    shown: perShard.reduce((a, r) => a + r[i].shown, 0),
    advanced: perShard.reduce((a, r) => a + r[i].advanced, 0),
    dismissed: perShard.reduce((a, r) => a + r[i].dismissed, 0),
  }))
}

async function shardStepCounts(db: D1Database, projectId: string, nudgeKey: string, total: number): Promise<StepCounts[]> {
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
