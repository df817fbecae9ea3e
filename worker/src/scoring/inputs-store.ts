import { daysAgo } from '../lib/days'

/** Rollup reads for scoring a whole project at once; all windows end on the day of `now` (UTC), so a past `now` re-scores history. */
export const LOAD_DAYS = 180

export interface UserAggRow {
  user_id: string
  a28: number
  a30: number
  p30: number
  v30: number
  last_active: string | null
  a7: number
  logins30: number
  seconds30: number
  amount30: number
  vp30: number
  amountp30: number
}

export interface ScoringRows {
  accounts: { id: string; name: string | null; traits_json: string; attributes_json: string; first_seen: number; last_seen: number }[]
  users: { id: string; account_id: string | null; first_seen: number }[]
  userAgg: UserAggRow[]
  userFeatures30: { user_id: string; feature_key: string }[]
  accountDays: { account_id: string; day: string; logins: number; value_events: number; meaningful: number }[]
  accountFeatureDays: { account_id: string; feature_key: string; day: string; n: number }[]
  accountEventDays: { account_id: string; name: string; day: string; n: number }[]
  versions: { account_id: string; app_version: string; last_day: string }[]
  previous: { account_id: string; band: string; pending_band: string | null; pending_since: string | null; score: number | null; flags_json: string }[]
  history: { account_id: string; day: string; score: number | null; band: string }[]
  /** D1 rows read by these queries, as D1 bills them. */
  rowsRead: number
}

export async function loadScoringRows(db: D1Database, projectId: string, now: number, ruleEvents: string[]): Promise<ScoringRows> {
  const d = (n: number) => daysAgo(now, n)
  let rowsRead = 0
  const all = <T>(sql: string, ...binds: unknown[]) =>
    db.prepare(sql).bind(projectId, ...binds).all<T>().then((r) => {
      rowsRead += r.meta.rows_read ?? 0
      return r.results
    })
  const eventList = ruleEvents.map((_, i) => `?${i + 4}`).join(', ')
  const [accounts, users, userAgg, userFeatures30, accountDays, accountFeatureDays, accountEventDays, versions, previous, history] = await Promise.all([
    all<ScoringRows['accounts'][number]>('SELECT id, name, traits_json, attributes_json, first_seen, last_seen FROM accounts WHERE project_id = ?1'),
    all<ScoringRows['users'][number]>('SELECT id, account_id, first_seen FROM users WHERE project_id = ?1'),
    all<UserAggRow>(
      `SELECT user_id,
        SUM(day > ?2 AND meaningful > 0) AS a28, SUM(day > ?3 AND meaningful > 0) AS a30, SUM(day <= ?3 AND meaningful > 0) AS p30,
        SUM(CASE WHEN day > ?3 THEN value_events ELSE 0 END) AS v30, MAX(CASE WHEN meaningful > 0 THEN day END) AS last_active,
        SUM(day > ?6 AND meaningful > 0) AS a7, SUM(CASE WHEN day > ?3 THEN logins ELSE 0 END) AS logins30,
        SUM(CASE WHEN day > ?3 THEN active_seconds ELSE 0 END) AS seconds30, SUM(CASE WHEN day > ?3 THEN value_amount ELSE 0 END) AS amount30,
        SUM(CASE WHEN day <= ?3 THEN value_events ELSE 0 END) AS vp30, SUM(CASE WHEN day <= ?3 THEN value_amount ELSE 0 END) AS amountp30
       FROM user_days WHERE project_id = ?1 AND day > ?4 AND day <= ?5 GROUP BY user_id`,
      d(28), d(30), d(60), d(0), d(7),
    ),
    all<ScoringRows['userFeatures30'][number]>('SELECT user_id, feature_key FROM user_feature_days WHERE project_id = ?1 AND day > ?2 AND day <= ?3 GROUP BY user_id, feature_key', d(30), d(0)),
    all<ScoringRows['accountDays'][number]>(
      `SELECT account_id, day, SUM(logins) AS logins, SUM(value_events) AS value_events, SUM(meaningful) AS meaningful
       FROM user_days WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND account_id IS NOT NULL GROUP BY account_id, day`,
      d(LOAD_DAYS), d(0),
    ),
    all<ScoringRows['accountFeatureDays'][number]>(
      `SELECT account_id, feature_key, day, SUM(n) AS n FROM user_feature_days
       WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND account_id IS NOT NULL GROUP BY account_id, feature_key, day`,
      d(LOAD_DAYS), d(0),
    ),
    ruleEvents.length
      ? all<ScoringRows['accountEventDays'][number]>(
          `SELECT account_id, name, day, SUM(n) AS n FROM user_event_days
           WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND name IN (${eventList}) AND account_id IS NOT NULL GROUP BY account_id, name, day`,
          d(LOAD_DAYS), d(0), ...ruleEvents,
        )
      : Promise.resolve([]),
    all<ScoringRows['versions'][number]>(
      `SELECT account_id, app_version, MAX(day) AS last_day FROM user_days
       WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND app_version IS NOT NULL AND account_id IS NOT NULL GROUP BY account_id, app_version`,
      d(30), d(0),
    ),
    all<ScoringRows['previous'][number]>('SELECT account_id, band, pending_band, pending_since, score, flags_json FROM account_scores WHERE project_id = ?1'),
    all<ScoringRows['history'][number]>('SELECT account_id, day, score, band FROM account_score_snapshots WHERE project_id = ?1 AND day >= ?2 AND day < ?3', d(30), d(0)),
  ])
  return { accounts, users, userAgg, userFeatures30, accountDays, accountFeatureDays, accountEventDays, versions, previous, history, rowsRead }
}
