export interface AccountSummaryRow {
  id: string
  name: string | null
  users: number
  active_users: number
  events_30d: number
  first_seen: number
  last_seen: number
}

/** Accounts with users, active users and events over the window, from the rollups only. */
export async function listAccountSummaries(
  db: D1Database,
  projectId: string,
  sinceDay: string,
  page: { limit: number; after?: string },
): Promise<AccountSummaryRow[]> {
  const { results } = await db
    .prepare(
      `SELECT a.id, a.name, a.first_seen, a.last_seen,
        (SELECT COUNT(*) FROM users u WHERE u.project_id = a.project_id AND u.account_id = a.id) AS users,
        COALESCE(d.active_users, 0) AS active_users, COALESCE(d.events, 0) AS events_30d
       FROM accounts a
       LEFT JOIN (
         SELECT account_id, COUNT(DISTINCT user_id) AS active_users, SUM(events) AS events
         FROM user_days WHERE project_id = ?1 AND day >= ?2 GROUP BY account_id
       ) d ON d.account_id = a.id
       WHERE a.project_id = ?1 AND a.id > ?3
       ORDER BY a.id LIMIT ?4`,
    )
    .bind(projectId, sinceDay, page.after ?? '', page.limit)
    .all<AccountSummaryRow>()
  return results
}

export interface AccountRow {
  id: string
  name: string | null
  traits_json: string
  attributes_json: string
  first_seen: number
  last_seen: number
}

export function findAccount(db: D1Database, projectId: string, accountId: string): Promise<AccountRow | null> {
  return db
    .prepare('SELECT id, name, traits_json, attributes_json, first_seen, last_seen FROM accounts WHERE project_id = ?1 AND id = ?2')
    .bind(projectId, accountId)
    .first<AccountRow>()
}

export interface AccountUserRow {
  id: string
  traits_json: string
  first_seen: number
  last_seen: number
  events_30d: number
  active_days_30d: number
}

// D1 keeps no table statistics, so SQLite takes `project_id = ?` for selective and would scan the whole
// project by primary key: INDEXED BY pins the per-account seek in the reads below.

/** ?1 project, ?2 account, ?3 first day of the window. */
export const ACCOUNT_USERS_SQL = `SELECT u.id, u.traits_json, u.first_seen, u.last_seen,
    (SELECT COALESCE(SUM(d.events), 0) FROM user_days d WHERE d.project_id = u.project_id AND d.user_id = u.id AND d.day >= ?3) AS events_30d,
    (SELECT COUNT(*) FROM user_days d WHERE d.project_id = u.project_id AND d.user_id = u.id AND d.day >= ?3) AS active_days_30d
   FROM users u INDEXED BY idx_users_project_id_account_id
   WHERE u.project_id = ?1 AND u.account_id = ?2
   ORDER BY u.last_seen DESC LIMIT 1000`

export async function listAccountUsers(db: D1Database, projectId: string, accountId: string, sinceDay: string): Promise<AccountUserRow[]> {
  const { results } = await db
    .prepare(ACCOUNT_USERS_SQL)
    .bind(projectId, accountId, sinceDay)
    .all<AccountUserRow>()
  return results
}

export interface EventCountRow {
  name: string
  events_30d: number
  events_total: number
  users_30d: number
  last_day: string
}

/** ?1 project, ?2 account, ?3 first day of the window. */
export const ACCOUNT_EVENT_COUNTS_SQL = `SELECT name,
    SUM(CASE WHEN day >= ?3 THEN n ELSE 0 END) AS events_30d,
    SUM(n) AS events_total,
    COUNT(DISTINCT CASE WHEN day >= ?3 THEN user_id END) AS users_30d,
    MAX(day) AS last_day
   FROM user_event_days INDEXED BY idx_user_event_days_project_id_account_id_name_day WHERE project_id = ?1 AND account_id = ?2
   GROUP BY name ORDER BY events_30d DESC, name LIMIT 500`

export async function listAccountEventCounts(db: D1Database, projectId: string, accountId: string, sinceDay: string): Promise<EventCountRow[]> {
  const { results } = await db
    .prepare(ACCOUNT_EVENT_COUNTS_SQL)
    .bind(projectId, accountId, sinceDay)
    .all<EventCountRow>()
  return results
}

export interface FeatureUseRow {
  key: string
  name: string
  kind: string
  core: number
  uses_30d: number
  users_30d: number
  uses_total: number
  first_day: string | null
  last_day: string | null
}

/** ?1 project, ?2 account, ?3 first day of the window. */
export const ACCOUNT_FEATURE_USE_SQL = `SELECT f.key, f.name, f.kind, f.core,
    COALESCE(SUM(CASE WHEN d.day >= ?3 THEN d.n END), 0) AS uses_30d,
    COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.user_id END) AS users_30d,
    COALESCE(SUM(d.n), 0) AS uses_total, MIN(d.day) AS first_day, MAX(d.day) AS last_day
   FROM features f
   LEFT JOIN user_feature_days d INDEXED BY idx_user_feature_days_project_id_account_id_feature_key_day
     ON d.project_id = f.project_id AND d.account_id = ?2 AND d.feature_key = f.key
   WHERE f.project_id = ?1
   GROUP BY f.key ORDER BY f.key`

/** Every registered feature with this account's use of it (zero when never used). */
export async function listAccountFeatureUse(db: D1Database, projectId: string, accountId: string, sinceDay: string): Promise<FeatureUseRow[]> {
  const { results } = await db
    .prepare(ACCOUNT_FEATURE_USE_SQL)
    .bind(projectId, accountId, sinceDay)
    .all<FeatureUseRow>()
  return results
}

/** Merges admin-owned attributes into accounts that exist (json_patch: null removes one). */
export async function patchAccountAttributes(db: D1Database, projectId: string, byAccount: Map<string, Record<string, unknown>>): Promise<void> {
  if (!byAccount.size) return
  const stmt = db.prepare('UPDATE accounts SET attributes_json = json_patch(attributes_json, ?3) WHERE project_id = ?1 AND id = ?2')
  await db.batch([...byAccount].map(([id, attrs]) => stmt.bind(projectId, id, JSON.stringify(attrs))))
}
