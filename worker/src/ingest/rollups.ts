/**
 * The daily rollups scoring reads (user x day, user x event x day, user x feature x day), built from raw
 * events with set-based upserts: one row write per (user, day[, key]) instead of one per event.
 * Ingest aggregates only the rows its own request inserted (ingest_id), so duplicates count nothing;
 * a feature rebuild aggregates every raw event of the (user, day) pairs whose tags it changed.
 */
/** `userDays`: [user id, from ts, to ts) triples whose rollups a feature rebuild recomputes from raw events. */
export type RollupSource = { ingestId: string; messageIds: string[] } | { userDays: [string, number, number][] }

function sourceWhere(src: RollupSource): { from: string; where: string; binds: unknown[] } {
  // ingest: one primary-key lookup per messageId of the request (CROSS JOIN keeps json_each the outer
  // loop), so the cost follows the batch, not the project's size or the batch's time span
  return 'ingestId' in src
    ? {
        from: 'json_each(?2) AS batch_ids CROSS JOIN events ON events.project_id = ?1 AND events.message_id = batch_ids.value',
        where: 'events.ingest_id = ?3',
        binds: [JSON.stringify(src.messageIds), src.ingestId],
      }
    : {
        from: 'events',
        // rebuild: rowids of the pairs' events found through the (project_id, user_id, ts) index
        // (unary + keeps SQLite from scanning the project by its project_id index instead)
        where: `+project_id = ?1 AND rowid IN (SELECT e.rowid FROM json_each(?2) AS p CROSS JOIN events AS e ON e.project_id = ?1
          AND e.user_id = json_extract(p.value, '$[0]') AND e.ts >= json_extract(p.value, '$[1]') AND e.ts < json_extract(p.value, '$[2]'))`,
        binds: [JSON.stringify(src.userDays)],
      }
}

const DAY = "date(ts / 1000, 'unixepoch')"

export function rollupStatements(db: D1Database, projectId: string, src: RollupSource): D1PreparedStatement[] {
  const { from, where, binds } = sourceWhere(src)
  const userDays = `INSERT INTO user_days (project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version)
    SELECT project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version FROM (
      -- with one max() aggregate, SQLite takes bare columns (account, version) from the latest event
      SELECT events.project_id AS project_id, user_id, ${DAY} AS day, account_id, app_version, MAX(ts) AS last_ts, COUNT(*) AS events, SUM(meaningful) AS meaningful,
        SUM(kind = 'login') AS logins, SUM(kind = 'value') AS value_events,
        SUM(CASE WHEN kind = 'value' THEN COALESCE(amount, 0) ELSE 0 END) AS value_amount, SUM(active_seconds) AS active_seconds
      FROM ${from} WHERE ${where} AND user_id IS NOT NULL GROUP BY user_id, day
    ) WHERE true
    ON CONFLICT (project_id, user_id, day) DO UPDATE SET
      events = events + excluded.events, meaningful = meaningful + excluded.meaningful, logins = logins + excluded.logins,
      value_events = value_events + excluded.value_events, value_amount = value_amount + excluded.value_amount,
      active_seconds = active_seconds + excluded.active_seconds,
      account_id = COALESCE(excluded.account_id, account_id), app_version = COALESCE(excluded.app_version, app_version)`
  const keyed = (table: string, column: string, extra: string) => `INSERT INTO ${table} (project_id, user_id, ${column}, day, account_id, n, amount)
    SELECT events.project_id, user_id, ${column}, ${DAY} AS day, MAX(account_id), COUNT(*), SUM(COALESCE(amount, 0))
    FROM ${from} WHERE ${where} AND user_id IS NOT NULL AND ${column} IS NOT NULL ${extra} GROUP BY user_id, ${column}, day
    ON CONFLICT (project_id, user_id, ${column}, day) DO UPDATE SET
      n = n + excluded.n, amount = amount + excluded.amount, account_id = COALESCE(excluded.account_id, account_id)`
  return [
    userDays,
    keyed('user_event_days', 'name', "AND events.type IN ('track', 'page', 'screen')"),
    keyed('user_feature_days', 'feature_key', ''),
  ].map((sql) => db.prepare(sql).bind(projectId, ...binds))
}
