import { ADOPTION } from '../../../shared/constants'
import { dayOf, daysAgo } from '../lib/days'
import type { FeatureUse } from './feature-states'

/**
 * ?1 project, ?2 account, ?3 first day of the adoption window. D1 keeps no table statistics, so SQLite takes
 * `project_id = ?` for selective and would scan the whole project by primary key: INDEXED BY pins the seek.
 */
export const FEATURE_STATES_SQL = `SELECT f.key, f.name, f.core, MIN(d.day) AS first_day, MAX(d.day) AS last_day, COALESCE(SUM(d.n), 0) AS uses,
  COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.day END) AS days_30d, COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.user_id END) AS users_30d
 FROM features f LEFT JOIN user_feature_days d INDEXED BY idx_user_feature_days_project_id_account_id_feature_key_day
   ON d.project_id = f.project_id AND d.account_id = ?2 AND d.feature_key = f.key
 WHERE f.project_id = ?1 AND f.kind != 'login' GROUP BY f.key ORDER BY f.core DESC, f.key`

interface FeatureUseRow {
  key: string
  name: string
  core: number
  first_day: string | null
  last_day: string | null
  uses: number
  days_30d: number
  users_30d: number
}

/** One account's use of every non-login feature (window: the adoption rule's), and the account's first day (null: unknown). */
export async function accountFeatureUses(
  db: D1Database,
  projectId: string,
  accountId: string,
  now: number,
): Promise<{ uses: FeatureUse[]; accountFirstDay: string | null }> {
  const [{ results }, firstSeen] = await Promise.all([
    db
      .prepare(FEATURE_STATES_SQL)
      .bind(projectId, accountId, daysAgo(now, ADOPTION.windowDays - 1))
      .all<FeatureUseRow>(),
    db.prepare('SELECT first_seen FROM accounts WHERE project_id = ?1 AND id = ?2').bind(projectId, accountId).first<number>('first_seen'),
  ])
  return {
    uses: results.map((r) => ({
      key: r.key,
      name: r.name,
      core: r.core === 1,
      firstDay: r.first_day,
      lastDay: r.last_day,
      uses: r.uses,
      daysInWindow: r.days_30d,
      usersInWindow: r.users_30d,
    })),
    accountFirstDay: firstSeen === null ? null : dayOf(firstSeen),
  }
}
