import { env } from 'cloudflare:test'
import { dayOf } from '../worker/src/lib/days'

// The scoring benches' data (bench/scoring.bench.test.ts, bench/scoring-fanout.bench.test.ts): rollups generated in bulk inside D1.

export const DAYS = 90
export const USERS_PER_ACCOUNT = 10
const FEATURES = 10
/** Users per seeding statement: each INSERT … SELECT stays a bounded transaction. */
const SEED_CHUNK = 2_000

/**
 * Rollups generated inside D1 with recursive CTEs, user-major so each primary key is appended in order (no raw
 * events: scoring never reads them). Ids are zero-padded so text order is numeric order. User i of account i/10
 * is active on day d when (7i + 13d + 3·account) mod 10 < 1 + (37i mod 7): 1 to 7 days in 10, ~40 % on average;
 * an account's users use 3 of its first 2–9 features per active day (feature f0 is the value feature); a quarter
 * of the users send the event the default rules count (`Invoice Created`).
 */
export async function seed(projectId: string, accounts: number, now: number) {
  const users = accounts * USERS_PER_ACCOUNT
  const today = dayOf(now)
  const first = now - DAYS * 86_400_000
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, printf('a%06d', i), 'Account ' || i, json_object('seats', 8 + i % 10, 'arr', (i % 7) * 12000), ?3, ?4 FROM n`,
    ).bind(projectId, accounts, first, now),
    env.DB.prepare(
      `INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, printf('u%07d', i), printf('a%06d', i / ${USERS_PER_ACCOUNT}), '{}', ?3, ?4 FROM n`,
    ).bind(projectId, users, first, now),
    ...Array.from({ length: FEATURES }, (_, f) =>
      env.DB.prepare(
        `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at) VALUES (?1, ?2, ?2, ?3, 1, '[]', 0, 0)`,
      ).bind(projectId, `f${f}`, f === 0 ? 'value' : 'feature'),
    ),
  ])
  // ?1 project, ?2 first user, ?3 last user (exclusive), ?4 today: one row per (user, active day), user-major
  const active = `WITH RECURSIVE n(i) AS (SELECT ?2 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?3),
    d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k + 1 < ${DAYS}),
    a(i, k, day, acct) AS (SELECT i, k, date(?4, printf('-%d days', k)), i / ${USERS_PER_ACCOUNT} FROM n, d
      WHERE (i * 7 + k * 13 + (i / ${USERS_PER_ACCOUNT}) * 3) % 10 < 1 + (i * 37) % 7)`
  const t0 = Date.now()
  for (let from = 0; from < users; from += SEED_CHUNK) {
    const to = Math.min(users, from + SEED_CHUNK)
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO user_days (project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version)
        ${active} SELECT ?1, printf('u%07d', i), day, printf('a%06d', acct), 6 + i % 5, 4, 1, i % 4, (i % 4) * 10.0, 300 + (i % 9) * 100,
          '3.' || (acct % 4 + CASE WHEN k < 30 THEN 0 ELSE -1 END) || '.0' FROM a ORDER BY i, day`,
      ).bind(projectId, from, to, today),
      env.DB.prepare(
        `INSERT INTO user_feature_days (project_id, user_id, feature_key, day, account_id, n, amount)
        ${active}, j(s) AS (VALUES (0), (1), (2))
        SELECT ?1, printf('u%07d', i), 'f' || ((i + s + k) % (2 + acct % 8)), day, printf('a%06d', acct), 1 + s, 0 FROM a, j
        GROUP BY i, (i + s + k) % (2 + acct % 8), day`,
      ).bind(projectId, from, to, today),
      env.DB.prepare(
        `INSERT INTO user_event_days (project_id, user_id, name, day, account_id, n, amount)
        ${active} SELECT ?1, printf('u%07d', i), 'Invoice Created', day, printf('a%06d', acct), 1 + i % 3, 0 FROM a WHERE i % 4 = 0 ORDER BY i, day`,
      ).bind(projectId, from, to, today),
    ])
  }
  const seedMs = Date.now() - t0
  const count = (table: string) =>
    env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`)
      .bind(projectId)
      .first<number>('n')
      .then((n) => n ?? 0)
  const [userDays, featureDays, eventDays] = await Promise.all([count('user_days'), count('user_feature_days'), count('user_event_days')])
  return { users, seedMs, rollupRows: userDays + featureDays + eventDays, userDays }
}

/** Rows the run wrote: latest scores and snapshots per account, user scores, segment benchmarks. */
export async function rowsWritten(projectId: string) {
  const n = await env.DB.prepare(
    `SELECT (SELECT COUNT(*) FROM account_scores WHERE project_id = ?1) + (SELECT COUNT(*) FROM account_score_snapshots WHERE project_id = ?1)
      + (SELECT COUNT(*) FROM user_scores WHERE project_id = ?1) + (SELECT COUNT(*) FROM segment_benchmarks WHERE project_id = ?1) AS n`,
  )
    .bind(projectId)
    .first<number>('n')
  return n ?? 0
}

/** The rollup tables' secondary indexes: dropped while seeding and built once after (a sort, not millions of random inserts). */
export async function withoutRollupIndexes(fn: () => Promise<void>) {
  const { results } = await env.DB.prepare(
    `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('user_days', 'user_feature_days', 'user_event_days')`,
  ).all<{ name: string; sql: string }>()
  for (const i of results) await env.DB.prepare(`DROP INDEX ${i.name}`).run()
  try {
    await fn()
  } finally {
    for (const i of results) await env.DB.prepare(i.sql).run()
  }
}
