import { ADOPTION } from '../../../shared/constants'
import { dayOf, daysAgo } from '../lib/days'
import type { FeatureUse } from './feature-states'
import type { ProjectState } from '../shards'

/**
 * ?1 project, ?2 account, ?3 first day of the adoption window. D1 keeps no table statistics, so SQLite takes
 * `project_id = ?` for selective and would scan the whole project by primary key: INDEXED BY pins the seek.
 */
export const FEATURE_STATES_SQL = `SELECT f.key, f.name, f.core, MIN(d.day) AS first_day, MAX(d.day) AS last_day, COALESCE(SUM(d.n), 0) AS uses,
  COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.day END) AS days_30d, COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.user_id END) AS users_30d
 FROM features f LEFT JOIN user_feature_days d INDEXED BY idx_user_feature_days_project_id_account_id_feature_key_day
   ON d.project_id = f.project_id AND d.account_id = ?2 AND d.feature_key = f.key
 WHERE f.project_id = ?1 AND f.kind != 'login' GROUP BY f.key ORDER BY f.core DESC, f.key`

// FEATURE_STATES_SQL split by grain (ARCHITECTURE.md §11): the features from D1, the account's feature days on its shard
const FEATURES_SQL = `SELECT key, name, core FROM features WHERE project_id = ?1 AND kind != 'login' ORDER BY core DESC, key`
const ACCOUNT_FEATURE_DAYS_SQL = `SELECT d.feature_key, MIN(d.day) AS first_day, MAX(d.day) AS last_day, COALESCE(SUM(d.n), 0) AS uses,
  COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.day END) AS days_30d, COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.user_id END) AS users_30d
 FROM user_feature_days d INDEXED BY idx_user_feature_days_project_id_account_id_feature_key_day
 WHERE d.project_id = ?1 AND d.account_id = ?2 GROUP BY d.feature_key`

async function shardedFeatureUses(state: ProjectState, projectId: string, accountId: string, since: string): Promise<FeatureUseRow[]> {
  const [features, days] = await Promise.all([
    state.control.prepare(FEATURES_SQL).bind(projectId).all<Pick<FeatureUseRow, 'key' | 'name' | 'core'>>(),
    state
      .forAccount(accountId)
      .prepare(ACCOUNT_FEATURE_DAYS_SQL)
      .bind(projectId, accountId, since)
      .all<Omit<FeatureUseRow, 'key' | 'name' | 'core'> & { feature_key: string }>(),
  ])
  const byKey = new Map(days.results.map((d) => [d.feature_key, d]))
  return features.results.map((f) => {
    const d = byKey.get(f.key)
    return {
      ...f,
      first_day: d?.first_day ?? null,
      last_day: d?.last_day ?? null,
      uses: d?.uses ?? 0,
      days_30d: d?.days_30d ?? 0,
      users_30d: d?.users_30d ?? 0,
    }
  })
}

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
  /** A sharded project's layout: the account's feature days are read on its shard, the features in D1. */
  state?: ProjectState,
): Promise<{ uses: FeatureUse[]; accountFirstDay: string | null }> {
  const since = daysAgo(now, ADOPTION.windowDays - 1)
  const [results, firstSeen] = await Promise.all([
    state?.sharded
      ? shardedFeatureUses(state, projectId, accountId, since)
      : db
          .prepare(FEATURE_STATES_SQL)
          .bind(projectId, accountId, since)
          .all<FeatureUseRow>()
          .then((r) => r.results),
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
