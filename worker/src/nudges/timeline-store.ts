import { NUDGE_EVENTS } from '../../../shared/nudge-events'

/** A user's history with one nudge, as an account's timeline shows it (holdout users saw nothing and are left out). */
export interface NudgeActivity {
  userId: string
  nudgeKey: string
  kind: string | null
  shownAt: number
  clickedAt: number | null
  dismissedAt: number | null
  completedAt: number | null
  /** The NPS score of the answer that completed an NPS survey, when it is readable. */
  score: number | null
}

// ?1 project, ?2 account, ?3 the NPS answer event, ?4 limit; `kinds` is the nudges table (D1) or, on a shard,
// the project's nudge kinds passed in as ?5 (a JSON object key → kind)
const activitySql = (
  kinds: string,
) => `SELECT s.user_id, s.nudge_key, n.kind, s.first_exposed_at, s.clicked_at, s.dismissed_at, s.completed_at,
         CASE WHEN n.kind = 'nps' AND s.completed_at IS NOT NULL THEN (
           SELECT CASE WHEN json_valid(e.properties_json) THEN json_extract(e.properties_json, '$.score') END
           FROM events e INDEXED BY idx_events_project_id_user_id_ts
           WHERE e.project_id = s.project_id AND e.user_id = s.user_id AND e.ts = s.completed_at AND e.name = ?3 LIMIT 1
         ) END AS score
       FROM nudge_states s INDEXED BY idx_nudge_states_project_id_account_id
       ${kinds}
       WHERE s.project_id = ?1 AND s.account_id = ?2 AND s.exposure = 'shown'
       ORDER BY max(s.first_exposed_at, COALESCE(s.clicked_at, 0), COALESCE(s.dismissed_at, 0), COALESCE(s.completed_at, 0)) DESC
       LIMIT ?4`
const ACTIVITY_SQL = activitySql('LEFT JOIN nudges n ON n.project_id = s.project_id AND n.key = s.nudge_key')
const SHARD_ACTIVITY_SQL = activitySql('LEFT JOIN (SELECT key, value AS kind FROM json_each(?5)) n ON n.key = s.nudge_key')

type ActivityRow = {
  user_id: string
  nudge_key: string
  kind: string | null
  first_exposed_at: number
  clicked_at: number | null
  dismissed_at: number | null
  completed_at: number | null
  score: unknown
}

/**
 * The account's users' nudge states with the most recent activity, at most `limit` (enough for a timeline of
 * `limit` items: each state's items are no later than its latest one). A sharded project passes the account's
 * shard (`state.forAccount(id)`): the states and answers are read there, the nudges' kinds from D1.
 */
export async function accountNudgeActivity(
  db: D1Database,
  projectId: string,
  accountId: string,
  limit: number,
  shard: D1Database = db,
): Promise<NudgeActivity[]> {
  let results: ActivityRow[]
  if (shard === db)
    ({ results } = await db.prepare(ACTIVITY_SQL).bind(projectId, accountId, NUDGE_EVENTS.answered, limit).all<ActivityRow>())
  else {
    const kinds = await db
      .prepare('SELECT json_group_object(key, kind) AS kinds FROM nudges WHERE project_id = ?1')
      .bind(projectId)
      .first<string>('kinds')
    ;({ results } = await shard
      .prepare(SHARD_ACTIVITY_SQL)
      .bind(projectId, accountId, NUDGE_EVENTS.answered, limit, kinds ?? '{}')
      .all<ActivityRow>())
  }
  return results.map((r) => ({
    userId: r.user_id,
    nudgeKey: r.nudge_key,
    kind: r.kind,
    shownAt: r.first_exposed_at,
    clickedAt: r.clicked_at,
    dismissedAt: r.dismissed_at,
    completedAt: r.completed_at,
    score: typeof r.score === 'number' && Number.isInteger(r.score) && r.score >= 0 && r.score <= 10 ? r.score : null,
  }))
}
