import type { FeatureKind } from '../../../shared/features'

/** Attributes or traits as stored (a JSON object); anything else reads as none. */
export function parseBag(json: string | null): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json ?? '{}')
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** An account with users, active users and events over the window. */
export interface AccountSummary {
  id: string
  name: string | null
  users: number
  activeUsers: number
  eventsInWindow: number
  firstSeen: number
  lastSeen: number
}

/** Accounts with users, active users and events over the window, from the rollups only. */
export async function listAccountSummaries(
  db: D1Database,
  projectId: string,
  sinceDay: string,
  page: { limit: number; after?: string },
): Promise<AccountSummary[]> {
  const { results } = await db
    .prepare(
      `SELECT a.id, a.name, a.first_seen, a.last_seen,
        (SELECT COUNT(*) FROM users u WHERE u.project_id = a.project_id AND u.account_id = a.id) AS users,
        COALESCE(d.active_users, 0) AS active_users, COALESCE(d.events, 0) AS events
       FROM accounts a
       LEFT JOIN (
         SELECT account_id, COUNT(DISTINCT user_id) AS active_users, SUM(events) AS events
         FROM user_days WHERE project_id = ?1 AND day >= ?2 GROUP BY account_id
       ) d ON d.account_id = a.id
       WHERE a.project_id = ?1 AND a.id > ?3
       ORDER BY a.id LIMIT ?4`,
    )
    .bind(projectId, sinceDay, page.after ?? '', page.limit)
    .all<{ id: string; name: string | null; users: number; active_users: number; events: number; first_seen: number; last_seen: number }>()
  return results.map((r) => ({
    id: r.id,
    name: r.name,
    users: r.users,
    activeUsers: r.active_users,
    eventsInWindow: r.events,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  }))
}

/** An account: traits as clients sent them, attributes as admins set them. */
export interface Account {
  id: string
  name: string | null
  traits: Record<string, unknown>
  attributes: Record<string, unknown>
  firstSeen: number
  lastSeen: number
}

export async function findAccount(db: D1Database, projectId: string, accountId: string): Promise<Account | null> {
  const r = await db
    .prepare('SELECT id, name, traits_json, attributes_json, first_seen, last_seen FROM accounts WHERE project_id = ?1 AND id = ?2')
    .bind(projectId, accountId)
    .first<{ id: string; name: string | null; traits_json: string; attributes_json: string; first_seen: number; last_seen: number }>()
  return (
    r && {
      id: r.id,
      name: r.name,
      traits: parseBag(r.traits_json),
      attributes: parseBag(r.attributes_json),
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
    }
  )
}

/**
 * Sets the admin-owned attributes of an existing account (json_patch: a null removes one) and its name when
 * given; the account's attributes after the change, or null when there is no such account.
 */
export async function updateAccountAttributes(
  db: D1Database,
  projectId: string,
  accountId: string,
  name: string | undefined,
  attributes: Record<string, unknown>,
): Promise<Record<string, unknown> | null> {
  const row = await db
    .prepare(
      'UPDATE accounts SET name = COALESCE(?3, name), attributes_json = json_patch(attributes_json, ?4) WHERE project_id = ?1 AND id = ?2 RETURNING attributes_json',
    )
    .bind(projectId, accountId, name ?? null, JSON.stringify(attributes))
    .first<string>('attributes_json')
  return row === null ? null : parseBag(row)
}

/** A user of the account with their events and active days over the window. */
export interface AccountUser {
  id: string
  traits: Record<string, unknown>
  firstSeen: number
  lastSeen: number
  eventsInWindow: number
  activeDaysInWindow: number
}

// D1 keeps no table statistics, so SQLite takes `project_id = ?` for selective and would scan the whole
// project by primary key: INDEXED BY pins the per-account seek in the reads below.

/** ?1 project, ?2 account, ?3 first day of the window. */
export const ACCOUNT_USERS_SQL = `SELECT u.id, u.traits_json, u.first_seen, u.last_seen,
    (SELECT COALESCE(SUM(d.events), 0) FROM user_days d WHERE d.project_id = u.project_id AND d.user_id = u.id AND d.day >= ?3) AS events,
    (SELECT COUNT(*) FROM user_days d WHERE d.project_id = u.project_id AND d.user_id = u.id AND d.day >= ?3) AS active_days
   FROM users u INDEXED BY idx_users_project_id_account_id
   WHERE u.project_id = ?1 AND u.account_id = ?2
   ORDER BY u.last_seen DESC LIMIT 1000`

export async function listAccountUsers(db: D1Database, projectId: string, accountId: string, sinceDay: string): Promise<AccountUser[]> {
  const { results } = await db
    .prepare(ACCOUNT_USERS_SQL)
    .bind(projectId, accountId, sinceDay)
    .all<{ id: string; traits_json: string; first_seen: number; last_seen: number; events: number; active_days: number }>()
  return results.map((r) => ({
    id: r.id,
    traits: parseBag(r.traits_json),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    eventsInWindow: r.events,
    activeDaysInWindow: r.active_days,
  }))
}

/** One event name in the account: over the window and all time. */
export interface EventCount {
  name: string
  eventsInWindow: number
  eventsTotal: number
  usersInWindow: number
  lastDay: string
}

/** ?1 project, ?2 account, ?3 first day of the window. */
export const ACCOUNT_EVENT_COUNTS_SQL = `SELECT name,
    SUM(CASE WHEN day >= ?3 THEN n ELSE 0 END) AS events_window,
    SUM(n) AS events_total,
    COUNT(DISTINCT CASE WHEN day >= ?3 THEN user_id END) AS users_window,
    MAX(day) AS last_day
   FROM user_event_days INDEXED BY idx_user_event_days_project_id_account_id_name_day WHERE project_id = ?1 AND account_id = ?2
   GROUP BY name ORDER BY events_window DESC, name LIMIT 500`

export async function listAccountEventCounts(
  db: D1Database,
  projectId: string,
  accountId: string,
  sinceDay: string,
): Promise<EventCount[]> {
  const { results } = await db
    .prepare(ACCOUNT_EVENT_COUNTS_SQL)
    .bind(projectId, accountId, sinceDay)
    .all<{ name: string; events_window: number; events_total: number; users_window: number; last_day: string }>()
  return results.map((r) => ({
    name: r.name,
    eventsInWindow: r.events_window,
    eventsTotal: r.events_total,
    usersInWindow: r.users_window,
    lastDay: r.last_day,
  }))
}

/** A registered feature and the account's use of it (zero when never used). */
export interface FeatureUse {
  key: string
  name: string
  kind: FeatureKind
  core: boolean
  usesInWindow: number
  usersInWindow: number
  usesTotal: number
  firstDay: string | null
  lastDay: string | null
}

/** ?1 project, ?2 account, ?3 first day of the window. */
export const ACCOUNT_FEATURE_USE_SQL = `SELECT f.key, f.name, f.kind, f.core,
    COALESCE(SUM(CASE WHEN d.day >= ?3 THEN d.n END), 0) AS uses_window,
    COUNT(DISTINCT CASE WHEN d.day >= ?3 THEN d.user_id END) AS users_window,
    COALESCE(SUM(d.n), 0) AS uses_total, MIN(d.day) AS first_day, MAX(d.day) AS last_day
   FROM features f
   LEFT JOIN user_feature_days d INDEXED BY idx_user_feature_days_project_id_account_id_feature_key_day
     ON d.project_id = f.project_id AND d.account_id = ?2 AND d.feature_key = f.key
   WHERE f.project_id = ?1
   GROUP BY f.key ORDER BY f.key`

export async function listAccountFeatureUse(db: D1Database, projectId: string, accountId: string, sinceDay: string): Promise<FeatureUse[]> {
  const { results } = await db.prepare(ACCOUNT_FEATURE_USE_SQL).bind(projectId, accountId, sinceDay).all<{
    key: string
    name: string
    kind: FeatureKind
    core: number
    uses_window: number
    users_window: number
    uses_total: number
    first_day: string | null
    last_day: string | null
  }>()
  return results.map((r) => ({
    key: r.key,
    name: r.name,
    kind: r.kind,
    core: r.core === 1,
    usesInWindow: r.uses_window,
    usersInWindow: r.users_window,
    usesTotal: r.uses_total,
    firstDay: r.first_day,
    lastDay: r.last_day,
  }))
}

/** Merges admin-owned attributes into accounts that exist (json_patch: null removes one). */
export async function patchAccountAttributes(
  db: D1Database,
  projectId: string,
  byAccount: Map<string, Record<string, unknown>>,
): Promise<void> {
  if (!byAccount.size) return
  const stmt = db.prepare('UPDATE accounts SET attributes_json = json_patch(attributes_json, ?3) WHERE project_id = ?1 AND id = ?2')
  await db.batch([...byAccount].map(([id, attrs]) => stmt.bind(projectId, id, JSON.stringify(attrs))))
}
