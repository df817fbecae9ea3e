import type { Band } from '../../../shared/constants'
import { daysAgo } from '../lib/days'
import { parseAttributes } from './attributes'
import { LOAD_DAYS, type ScoringInputs } from './inputs'
import { flagKeys } from './scores-store'
import type { ProjectState } from '../shards'

interface AccountRow {
  id: string
  name: string | null
  traits_json: string
  attributes_json: string
  first_seen: number
  last_seen: number
}
interface UserRow {
  id: string
  account_id: string | null
  first_seen: number
}
interface UserActivityRow {
  user_id: string
  a7: number
  a28: number
  a30: number
  p30: number
  last_active: string | null
  logins30: number
  seconds30: number
  v30: number
  vp30: number
  amount30: number
  amountp30: number
}
interface UserFeatureRow {
  user_id: string
  feature_key: string
}
interface AccountDayRow {
  account_id: string
  day: string
  logins: number
  value_events: number
  meaningful: number
}
interface AccountFeatureDayRow {
  account_id: string
  feature_key: string
  day: string
  n: number
}
interface AccountEventDayRow {
  account_id: string
  name: string
  day: string
  n: number
}
interface VersionRow {
  account_id: string
  app_version: string
  last_day: string
}
interface PreviousRow {
  account_id: string
  band: Band
  pending_band: Band | null
  pending_since: string | null
  score: number | null
  flags_json: string
}
interface SnapshotRow {
  account_id: string
  day: string
  score: number | null
  band: Band
}

export interface LoadOptions {
  /** Only these accounts (and their users); app versions stay project-wide, as releases behind counts against all of them. */
  accountIds?: readonly string[]
  /**
   * A shard's load (scoring split by account shard): besides the accounts' users, these users with no account; app
   * versions only of these accounts (the project's known versions come from the merged cohort summary, cohorts.ts).
   */
  shard?: { looseUserIds: readonly string[] }
  /** Only what the raw measures need (accounts, users, activity, features, versions): a shard's first pass. */
  measuresOnly?: boolean
}

/**
 * Everything scoring reads of a project as of the day of `now`, as the model's domain inputs: all windows end on
 * that day (UTC), so a past `now` re-scores history.
 */
export async function loadScoringInputs(
  /** The main D1 (an unsharded project), or the project's state layout: user-grain reads then go to its shards. */
  source: D1Database | ProjectState,
  projectId: string,
  now: number,
  ruleEvents: string[],
  opts: LoadOptions = {},
): Promise<ScoringInputs> {
  const state = 'control' in source ? source : null
  const db = state ? state.control : (source as D1Database)
  const d = (n: number) => daysAgo(now, n)
  let rowsRead = 0
  const ids = opts.accountIds || opts.shard ? JSON.stringify({ a: opts.accountIds ?? [], u: opts.shard?.looseUserIds ?? [] }) : null
  // `?n` holds `{a: account ids, u: account-less user ids}` when only some accounts are loaded; nothing is bound for it otherwise
  const only = (column: string, n: number) => (ids === null ? '' : ` AND ${column} IN (SELECT value FROM json_each(?${n}, '$.a'))`)
  const onlyUsers = (n: number) =>
    ids === null
      ? ''
      : ` AND user_id IN (SELECT id FROM users WHERE project_id = ?1 AND account_id IN (SELECT value FROM json_each(?${n}, '$.a'))
          UNION ALL SELECT value FROM json_each(?${n}, '$.u'))`
  // each read as SQL and binds; `grain` says where a sharded project keeps its table (rule 1 of the layout)
  type Read = ScoringRead | null
  const read = (grain: 'account' | 'user', sql: string, ...binds: unknown[]): Read => ({ sql, binds, grain })
  // the rule windows, band state and history: a measures-only load skips them
  const fullOnly = (r: Read): Read => (opts.measuresOnly ? null : r)
  const eventList = ruleEvents.map((_, i) => `?${i + 4}`).join(', ')
  const reads: Read[] = [
    read(
      'account',
      `SELECT id, name, traits_json, attributes_json, first_seen, last_seen FROM accounts WHERE project_id = ?1${only('id', 2)}`,
    ),
    read(
      'user',
      `SELECT id, account_id, first_seen FROM users WHERE project_id = ?1${only('account_id', 2)}${
        opts.shard
          ? ` UNION ALL SELECT id, account_id, first_seen FROM users WHERE project_id = ?1 AND account_id IS NULL AND id IN (SELECT value FROM json_each(?2, '$.u'))`
          : ''
      }`,
    ),
    read(
      'user',
      `SELECT user_id,
        SUM(day > ?2 AND meaningful > 0) AS a28, SUM(day > ?3 AND meaningful > 0) AS a30, SUM(day <= ?3 AND meaningful > 0) AS p30,
        SUM(CASE WHEN day > ?3 THEN value_events ELSE 0 END) AS v30, MAX(CASE WHEN meaningful > 0 THEN day END) AS last_active,
        SUM(day > ?6 AND meaningful > 0) AS a7, SUM(CASE WHEN day > ?3 THEN logins ELSE 0 END) AS logins30,
        SUM(CASE WHEN day > ?3 THEN active_seconds ELSE 0 END) AS seconds30, SUM(CASE WHEN day > ?3 THEN value_amount ELSE 0 END) AS amount30,
        SUM(CASE WHEN day <= ?3 THEN value_events ELSE 0 END) AS vp30, SUM(CASE WHEN day <= ?3 THEN value_amount ELSE 0 END) AS amountp30
       FROM user_days WHERE project_id = ?1 AND day > ?4 AND day <= ?5${onlyUsers(7)} GROUP BY user_id`,
      d(28),
      d(30),
      d(60),
      d(0),
      d(7),
    ),
    read(
      'user',
      `SELECT user_id, feature_key FROM user_feature_days WHERE project_id = ?1 AND day > ?2 AND day <= ?3${onlyUsers(4)} GROUP BY user_id, feature_key`,
      d(30),
      d(0),
    ),
    fullOnly(
      read(
        'user',
        `SELECT account_id, day, SUM(logins) AS logins, SUM(value_events) AS value_events, SUM(meaningful) AS meaningful
       FROM user_days WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND account_id IS NOT NULL${only('account_id', 4)} GROUP BY account_id, day`,
        d(LOAD_DAYS),
        d(0),
      ),
    ),
    fullOnly(
      read(
        'user',
        `SELECT account_id, feature_key, day, SUM(n) AS n FROM user_feature_days
       WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND account_id IS NOT NULL${only('account_id', 4)} GROUP BY account_id, feature_key, day`,
        d(LOAD_DAYS),
        d(0),
      ),
    ),
    ruleEvents.length
      ? fullOnly(
          read(
            'user',
            `SELECT account_id, name, day, SUM(n) AS n FROM user_event_days
           WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND name IN (${eventList}) AND account_id IS NOT NULL${only('account_id', ruleEvents.length + 4)} GROUP BY account_id, name, day`,
            d(LOAD_DAYS),
            d(0),
            ...ruleEvents,
          ),
        )
      : null,
    read(
      'user',
      `SELECT account_id, app_version, MAX(day) AS last_day FROM user_days
       WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND app_version IS NOT NULL AND account_id IS NOT NULL${opts.shard ? only('account_id', 4) : ''}
       GROUP BY account_id, app_version`,
      d(30),
      d(0),
    ),
    fullOnly(
      read(
        'account',
        `SELECT account_id, band, pending_band, pending_since, score, flags_json FROM account_scores WHERE project_id = ?1${only('account_id', 2)}`,
      ),
    ),
    fullOnly(
      read(
        'account',
        `SELECT account_id, day, score, band FROM account_score_snapshots WHERE project_id = ?1 AND day >= ?2 AND day < ?3${only('account_id', 4)}`,
        d(30),
        d(0),
      ),
    ),
  ]
  const statement = (on: D1Database, r: NonNullable<Read>, keys: string | null) =>
    on.prepare(r.sql).bind(projectId, ...r.binds, ...(keys === null || !/json_each/.test(r.sql) ? [] : [keys]))
  const rowsOf = (results: D1Result<unknown>[]): unknown[][] => {
    for (const r of results) rowsRead += r.meta.rows_read ?? 0
    return results.map((r) => r.results)
  }
  let lists: unknown[][]
  if (!state?.sharded) {
    lists = await Promise.all(
      reads.map((r) =>
        r === null
          ? Promise.resolve([])
          : statement(db, r, ids)
              .all()
              .then((res) => rowsOf([res])[0]),
      ),
    )
  } else {
    lists = await loadSharded(state, reads, ids, opts, statement, rowsOf)
    // a user's rollups can sit on two shards (one who moved account keeps the old account's days on its shard): their
    // rows add up to the one row unsharded GROUP BY user_id gives, and a feature they used on both counts once
    lists[2] = mergeUserActivity(lists[2] as UserActivityRow[])
    lists[3] = [...new Map((lists[3] as UserFeatureRow[]).map((f) => [JSON.stringify([f.user_id, f.feature_key]), f])).values()]
  }
  const [accounts, users, activity, userFeatures30, accountDays, accountFeatureDays, accountEventDays, versions, previous, history] =
    lists as [
      AccountRow[],
      UserRow[],
      UserActivityRow[],
      UserFeatureRow[],
      AccountDayRow[],
      AccountFeatureDayRow[],
      AccountEventDayRow[],
      VersionRow[],
      PreviousRow[],
      SnapshotRow[],
    ]
  return {
    accounts: accounts.map((a) => ({
      id: a.id,
      name: a.name,
      traits: parseAttributes(a.traits_json),
      attributes: parseAttributes(a.attributes_json),
      firstSeen: a.first_seen,
      lastSeen: a.last_seen,
    })),
    users: users.map((u) => ({ id: u.id, accountId: u.account_id, firstSeen: u.first_seen })),
    userActivity: activity.map((u) => ({
      userId: u.user_id,
      activeDays7: u.a7,
      activeDays28: u.a28,
      activeDays30: u.a30,
      activeDaysPrev30: u.p30,
      lastActiveDay: u.last_active,
      logins30: u.logins30,
      activeSeconds30: u.seconds30,
      valueEvents30: u.v30,
      valueEventsPrev30: u.vp30,
      valueAmount30: u.amount30,
      valueAmountPrev30: u.amountp30,
    })),
    userFeatures30: userFeatures30.map((f) => ({ userId: f.user_id, featureKey: f.feature_key })),
    accountDays: accountDays.map((r) => ({
      accountId: r.account_id,
      day: r.day,
      logins: r.logins,
      valueEvents: r.value_events,
      meaningful: r.meaningful,
    })),
    accountFeatureDays: accountFeatureDays.map((r) => ({ accountId: r.account_id, featureKey: r.feature_key, day: r.day, n: r.n })),
    accountEventDays: accountEventDays.map((r) => ({ accountId: r.account_id, name: r.name, day: r.day, n: r.n })),
    versions: versions.map((v) => ({ accountId: v.account_id, appVersion: v.app_version, lastDay: v.last_day })),
    previous: previous.map((p) => ({
      accountId: p.account_id,
      score: p.score,
      band: p.band,
      pendingBand: p.pending_band,
      pendingSince: p.pending_since,
      flagKeys: flagKeys(p.flags_json),
    })),
    history: history.map((h) => ({ accountId: h.account_id, day: h.day, score: h.score, band: h.band })),
    rowsRead,
  }
}

/** One of the load's reads: its SQL, binds after the project id, and the grain that says where a sharded project keeps it. */
interface ScoringRead {
  sql: string
  binds: unknown[]
  grain: 'account' | 'user'
}

/**
 * The load of a sharded project: account-grain reads on the main D1 as before; user-grain reads on each shard that
 * holds some of the asked keys (each shard bound only its own accounts and account-less users), all of a shard's
 * reads in one batch (one Durable Object call), shards in parallel; a read with no key filter (the project's app
 * versions) goes to every shard. Lists concatenate in shard order: an account's rows all live in one shard.
 */
async function loadSharded(
  state: ProjectState,
  reads: (ScoringRead | null)[],
  ids: string | null,
  opts: LoadOptions,
  statement: (on: D1Database, r: ScoringRead, keys: string | null) => D1PreparedStatement,
  rowsOf: (results: D1Result<unknown>[]) => unknown[][],
): Promise<unknown[][]> {
  const lists: unknown[][] = reads.map(() => [])
  const filtered = ids !== null
  const keys = new Map<number, { a: string[]; u: string[] }>()
  const at = (index: number) => keys.get(index) ?? keys.set(index, { a: [], u: [] }).get(index)!
  for (const a of opts.accountIds ?? []) at(state.indexOf(a, '')).a.push(a)
  for (const u of opts.shard?.looseUserIds ?? []) at(state.indexOf(null, u)).u.push(u)
  const control = reads.flatMap((r, i) => (r?.grain === 'account' ? [i] : []))
  const [, perShard] = await Promise.all([
    Promise.all(
      control.map(async (i) => {
        lists[i] = rowsOf([await statement(state.control, reads[i]!, ids).all()])[0]
      }),
    ),
    Promise.all(
      state.all().map(async ({ index, db }) => {
        const own = keys.get(index)
        const asked = reads.flatMap((r, i) =>
          r?.grain === 'user' && (!filtered || own || !/json_each/.test(r.sql)) ? [{ i, r, bound: own ? JSON.stringify(own) : null }] : [],
        )
        if (!asked.length) return []
        const results = rowsOf(await db.batch(asked.map(({ r, bound }) => statement(db, r, bound))))
        return asked.map(({ i }, k) => ({ i, rows: results[k] }))
      }),
    ),
  ])
  // shard order, whatever order the shards answered in
  for (const shard of perShard) for (const { i, rows } of shard) for (const row of rows) lists[i].push(row)
  return lists
}

/** Per-user activity rows read on several shards, one per user: counts add, the last active day is the latest. */
function mergeUserActivity(rows: UserActivityRow[]): UserActivityRow[] {
  const byUser = new Map<string, UserActivityRow>()
  for (const r of rows) {
    const m = byUser.get(r.user_id)
    if (!m) {
      byUser.set(r.user_id, { ...r })
      continue
    }
    for (const k of ['a7', 'a28', 'a30', 'p30', 'logins30', 'seconds30', 'v30', 'vp30', 'amount30', 'amountp30'] as const) m[k] += r[k]
    if (r.last_active !== null && (m.last_active === null || r.last_active > m.last_active)) m.last_active = r.last_active
  }
  return [...byUser.values()]
}
