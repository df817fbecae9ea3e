import { dayOf, daysAgo, daysBetween } from '../lib/days'

/**
 * ?1 project, ?2 account, ?3 first day of the 30-day window. D1 keeps no table statistics, so SQLite takes
 * `project_id = ?` for selective and would scan the whole project by primary key: INDEXED BY pins the seek.
 */
export const FEATURE_STATES_SQL = `SELECT f.key, f.name, f.core, MIN(d.day) AS first_day, MAX(d.day) AS last_day, COALESCE(SUM(d.n), 0) AS uses,
  COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.day END) AS days_30d, COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.user_id END) AS users_30d
 FROM features f LEFT JOIN user_feature_days d INDEXED BY idx_user_feature_days_project_id_account_id_feature_key_day
   ON d.project_id = f.project_id AND d.account_id = ?2 AND d.feature_key = f.key
 WHERE f.project_id = ?1 AND f.kind != 'login' GROUP BY f.key ORDER BY f.core DESC, f.key`

/** Per-feature state for one account: never tried, tried, adopted (used on ≥ 3 days in 30) or lapsed. */
export async function featureStates(db: D1Database, projectId: string, accountId: string, now: number) {
  const since = daysAgo(now, 29)
  const [{ results }, account] = await Promise.all([
    db
      .prepare(FEATURE_STATES_SQL)
      .bind(projectId, accountId, since)
      .all<{ key: string; name: string; core: number; first_day: string | null; last_day: string | null; uses: number; days_30d: number; users_30d: number }>(),
    db.prepare('SELECT first_seen FROM accounts WHERE project_id = ?1 AND id = ?2').bind(projectId, accountId).first<number>('first_seen'),
  ])
  return results.map((r) => ({
    key: r.key,
    name: r.name,
    core: r.core === 1,
    state: !r.first_day ? 'never_tried' : r.days_30d >= 3 ? 'adopted' : r.days_30d > 0 ? 'tried' : 'lapsed',
    uses: r.uses,
    users_30d: r.users_30d,
    first_used: r.first_day,
    last_used: r.last_day,
    days_to_first_use: r.first_day && account ? daysBetween(dayOf(account), r.first_day) : null,
  }))
}
