import type { FeatureKind } from '../../../shared/features'
import type { ProjectState } from '../shards'

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
  return results.map(toSummary)
}

type SummaryRow = {
  id: string
  name: string | null
  users: number
  active_users: number
  events: number
  first_seen: number
  last_seen: number
}

const toSummary = (r: SummaryRow): AccountSummary => ({
  id: r.id,
  name: r.name,
  users: r.users,
  activeUsers: r.active_users,
  eventsInWindow: r.events,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
})

/**
 * `listAccountSummaries` for a project's layout. Sharded: the page of accounts from D1, then on every shard (one
 * batch each) its users and window activity per account of the page, summed (a user lives in one shard, so the
 * per-shard distinct active users add up).
 */
export async function accountSummaries(
  state: ProjectState,
  sinceDay: string,
  page: { limit: number; after?: string },
): Promise<AccountSummary[]> {
  if (!state.sharded) return listAccountSummaries(state.control, state.projectId, sinceDay, page)
  const { results: accounts } = await state.control
    .prepare('SELECT id, name, first_seen, last_seen FROM accounts WHERE project_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3')
    .bind(state.projectId, page.after ?? '', page.limit)
    .all<{ id: string; name: string | null; first_seen: number; last_seen: number }>()
  if (!accounts.length) return []
  const ids = JSON.stringify(accounts.map((a) => a.id))
  const perShard = await Promise.all(
    state.all().map(({ db }) =>
      db.batch<{ account_id: string; users?: number; active_users?: number; events?: number }>([
        db
          .prepare(
            `SELECT account_id, COUNT(*) AS users FROM users INDEXED BY idx_users_project_id_account_id
             WHERE project_id = ?1 AND account_id IN (SELECT value FROM json_each(?2)) GROUP BY account_id`,
          )
          .bind(state.projectId, ids),
        db
          .prepare(
            `SELECT account_id, COUNT(DISTINCT user_id) AS active_users, SUM(events) AS events
             FROM user_days INDEXED BY idx_user_days_project_id_account_id_day
             WHERE project_id = ?1 AND account_id IN (SELECT value FROM json_each(?2)) AND day >= ?3 GROUP BY account_id`,
          )
          .bind(state.projectId, ids, sinceDay),
      ]),
    ),
  )
  const sums = new Map(accounts.map((a) => [a.id, { users: 0, active_users: 0, events: 0 }]))
  for (const [users, days] of perShard) {
    for (const r of users.results) sums.get(r.account_id)!.users += r.users ?? 0
    for (const r of days.results) {
      const s = sums.get(r.account_id)!
      s.active_users += r.active_users ?? 0
      s.events += r.events ?? 0
    }
  }
  return accounts.map((a) => toSummary({ ...a, ...sums.get(a.id)! }))
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

type AccountUserRow = { id: string; traits_json: string; first_seen: number; last_seen: number; events: number; active_days: number }

const toAccountUser = (r: AccountUserRow): AccountUser => ({
  id: r.id,
  traits: parseBag(r.traits_json),
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  eventsInWindow: r.events,
  activeDaysInWindow: r.active_days,
})

export async function listAccountUsers(db: D1Database, projectId: string, accountId: string, sinceDay: string): Promise<AccountUser[]> {
  const { results } = await db.prepare(ACCOUNT_USERS_SQL).bind(projectId, accountId, sinceDay).all<AccountUserRow>()
  return results.map(toAccountUser)
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
  const { results } = await db.prepare(ACCOUNT_EVENT_COUNTS_SQL).bind(projectId, accountId, sinceDay).all<EventCountRow>()
  return results.map(toEventCount)
}

type EventCountRow = { name: string; events_window: number; events_total: number; users_window: number; last_day: string }

const toEventCount = (r: EventCountRow): EventCount => ({
  name: r.name,
  eventsInWindow: r.events_window,
  eventsTotal: r.events_total,
  usersInWindow: r.users_window,
  lastDay: r.last_day,
})

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

type FeatureRow = { key: string; name: string; kind: FeatureKind; core: number }
type FeatureDaysRow = { uses_window: number; users_window: number; uses_total: number; first_day: string | null; last_day: string | null }

const toFeatureUse = (r: FeatureRow & FeatureDaysRow): FeatureUse => ({
  key: r.key,
  name: r.name,
  kind: r.kind,
  core: r.core === 1,
  usesInWindow: r.uses_window,
  usersInWindow: r.users_window,
  usesTotal: r.uses_total,
  firstDay: r.first_day,
  lastDay: r.last_day,
})

export async function listAccountFeatureUse(db: D1Database, projectId: string, accountId: string, sinceDay: string): Promise<FeatureUse[]> {
  const { results } = await db.prepare(ACCOUNT_FEATURE_USE_SQL).bind(projectId, accountId, sinceDay).all<FeatureRow & FeatureDaysRow>()
  return results.map(toFeatureUse)
}

/** ACCOUNT_FEATURE_USE_SQL's shard half (the registered features are in D1): ?1 project, ?2 account, ?3 first day of the window. */
const ACCOUNT_FEATURE_DAYS_SQL = `SELECT feature_key,
    COALESCE(SUM(CASE WHEN day >= ?3 THEN n END), 0) AS uses_window,
    COUNT(DISTINCT CASE WHEN day >= ?3 THEN user_id END) AS users_window,
    COALESCE(SUM(n), 0) AS uses_total, MIN(day) AS first_day, MAX(day) AS last_day
   FROM user_feature_days INDEXED BY idx_user_feature_days_project_id_account_id_feature_key_day
   WHERE project_id = ?1 AND account_id = ?2
   GROUP BY feature_key`

const NEVER_USED: FeatureDaysRow = { uses_window: 0, users_window: 0, uses_total: 0, first_day: null, last_day: null }

/** An account's users, per-event counts and feature use over the window and all time. */
export interface AccountActivity {
  users: AccountUser[]
  events: EventCount[]
  features: FeatureUse[]
}

/**
 * Account 360's usage for a project's layout. Sharded: the account's shard answers users, event counts and feature
 * days in one batch (one DO call) while D1 lists the registered features; the two halves meet by feature key.
 */
export async function accountActivity(state: ProjectState, accountId: string, sinceDay: string): Promise<AccountActivity> {
  const { control, projectId } = state
  if (!state.sharded) {
    const [users, events, features] = await Promise.all([
      listAccountUsers(control, projectId, accountId, sinceDay),
      listAccountEventCounts(control, projectId, accountId, sinceDay),
      listAccountFeatureUse(control, projectId, accountId, sinceDay),
    ])
    return { users, events, features }
  }
  const shard = state.forAccount(accountId)
  const [registered, [users, events, featureDays]] = await Promise.all([
    control.prepare('SELECT key, name, kind, core FROM features WHERE project_id = ?1 ORDER BY key').bind(projectId).all<FeatureRow>(),
    shard.batch<Record<string, unknown>>([
      shard.prepare(ACCOUNT_USERS_SQL).bind(projectId, accountId, sinceDay),
      shard.prepare(ACCOUNT_EVENT_COUNTS_SQL).bind(projectId, accountId, sinceDay),
      shard.prepare(ACCOUNT_FEATURE_DAYS_SQL).bind(projectId, accountId, sinceDay),
    ]),
  ])
  const used = new Map((featureDays.results as (FeatureDaysRow & { feature_key: string })[]).map((r) => [r.feature_key, r]))
  return {
    users: (users.results as AccountUserRow[]).map(toAccountUser),
    events: (events.results as EventCountRow[]).map(toEventCount),
    features: registered.results.map((f) => toFeatureUse({ ...f, ...(used.get(f.key) ?? NEVER_USED) })),
  }
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
