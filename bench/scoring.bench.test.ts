import { env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject } from '../tests/worker/fixtures'
import { dayOf } from '../worker/src/lib/days'
import { segmentBenchmarks } from '../worker/src/scoring/benchmarks'
import type { AccountScoreResult } from '../worker/src/scoring/project'
import { runProjectScoring } from '../worker/src/scoring/run'
import { percentileInCohort } from '../worker/src/scoring/segments'
import { rowsLoaded, runScoring, runShardedScoring, SCORING_SHARDS } from '../worker/src/scoring/shard-run'

const DAYS = 90
const USERS_PER_ACCOUNT = 10
const FEATURES = 10
/** Users per seeding statement: each INSERT … SELECT stays a bounded transaction. */
const SEED_CHUNK = 2_000
/** Accounts per size; 10 users each. Edit to run fewer (the 100,000-user point seeds ~15 M rollup rows). */
const SIZES = [100, 1_000, 10_000]

/**
 * Rollups generated inside D1 with recursive CTEs, user-major so each primary key is appended in order (no raw
 * events: scoring never reads them). Ids are zero-padded so text order is numeric order. User i of account i/10
 * is active on day d when (7i + 13d + 3·account) mod 10 < 1 + (37i mod 7): 1 to 7 days in 10, ~40 % on average;
 * an account's users use 3 of its first 2–9 features per active day (feature f0 is the value feature); a quarter
 * of the users send the event the default rules count (`Invoice Created`).
 */
async function seed(projectId: string, accounts: number, now: number) {
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
async function rowsWritten(projectId: string) {
  const n = await env.DB.prepare(
    `SELECT (SELECT COUNT(*) FROM account_scores WHERE project_id = ?1) + (SELECT COUNT(*) FROM account_score_snapshots WHERE project_id = ?1)
      + (SELECT COUNT(*) FROM user_scores WHERE project_id = ?1) + (SELECT COUNT(*) FROM segment_benchmarks WHERE project_id = ?1) AS n`,
  )
    .bind(projectId)
    .first<number>('n')
  return n ?? 0
}

/** The rollup tables' secondary indexes: dropped while seeding and built once after (a sort, not millions of random inserts). */
async function withoutRollupIndexes(fn: () => Promise<void>) {
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

/** The pre-issue-13 segment benchmarks (a cohort copied per account, a linear scan per percentile), kept here to time against. */
function quadraticBenchmarks(accounts: AccountScoreResult[]) {
  const cohorts = new Map<string, number[]>()
  for (const a of accounts)
    for (const m of a.health.measures) {
      if (m.raw === null) continue
      const k = `${a.segment ?? 'none'}\u0000${m.key}`
      cohorts.set(k, [...(cohorts.get(k) ?? []), m.raw])
    }
  for (const a of accounts)
    for (const m of a.health.measures)
      m.segment_percentile =
        m.raw === null ? null : percentileInCohort(m.raw, cohorts.get(`${a.segment ?? 'none'}\u0000${m.key}`) ?? [], 20)
  return cohorts.size
}

const per1k = (x: number, users: number) => Math.round((x * 1000) / users)

it('measures scoring time and D1 rows read at 1,000 / 10,000 / 100,000 users, in one pass and in 8 shards', async () => {
  const curve: Record<string, unknown>[] = []
  for (const accounts of SIZES) {
    const now = Date.now()
    const p = await newProject(`scoring-${accounts}`)
    let seeded = { users: 0, seedMs: 0, rollupRows: 0, userDays: 0 }
    const t0 = Date.now()
    await withoutRollupIndexes(async () => {
      seeded = await seed(p.id, accounts, now)
    })
    const { users, rollupRows, userDays } = seeded
    const indexMs = Date.now() - t0 - seeded.seedMs
    // what the daily run does: one pass up to 5,000 accounts, 8 shards above
    const daily = await runScoring(env.DB, p.id, now, false)
    const writtenRows = await rowsWritten(p.id)
    console.log(
      `scoring daily ${accounts} accounts ${JSON.stringify({ seed_ms: seeded.seedMs, summary: daily.summary, shards: daily.shards })}`,
    )
    // the other way, on the same data and day
    let other: Record<string, unknown>
    try {
      if (daily.shards) {
        const one = await runProjectScoring(env.DB, p.id, now)
        const t = Date.now()
        segmentBenchmarks(one.accounts, { known: [] })
        const fastMs = Date.now() - t
        const t2 = Date.now()
        quadraticBenchmarks(one.accounts)
        other = {
          mode: 'one pass',
          rows_read: one.summary.rows_read,
          rows_loaded: rowsLoaded(one.inputs),
          total_ms: one.summary.ms,
          load_ms: one.summary.load_ms,
          compute_ms: one.summary.compute_ms,
          segment_benchmarks_ms: { cohort_counts: fastMs, quadratic_before: Date.now() - t2 },
        }
      } else {
        const sharded = await runShardedScoring(env.DB, p.id, now, SCORING_SHARDS)
        other = {
          mode: `${SCORING_SHARDS} shards`,
          rows_read: sharded.summary.rows_read,
          rows_loaded_max_shard: Math.max(...sharded.shards.score.map((s) => s.rows_loaded)),
          total_ms: sharded.summary.ms,
        }
      }
    } catch (e) {
      other = { error: String((e as Error)?.message ?? e).slice(0, 300) }
    }
    const run = daily.summary
    const shards = daily.shards
    curve.push({
      accounts,
      users,
      rollup_rows: rollupRows,
      user_days: userDays,
      seed_ms: seeded.seedMs,
      index_ms: indexMs,
      mode: shards ? `${shards.score.length} shards` : 'one pass',
      rows_read: run.rows_read,
      rows_written: writtenRows,
      rows_read_per_1k_users: per1k(run.rows_read, users),
      rows_written_per_1k_users: per1k(writtenRows, users),
      ms_per_1k_users: per1k(run.ms, users),
      load_ms: run.load_ms,
      compute_ms: run.compute_ms,
      total_ms: run.ms,
      per_shard: shards
        ? shards.score.map((s, i) => ({
            shard: s.shard,
            accounts: s.accounts,
            users: s.users,
            rows_read: shards.measure[i].rows_read + s.rows_read,
            rows_loaded: s.rows_loaded,
            measure_ms: shards.measure[i].ms,
            score_ms: s.ms,
          }))
        : null,
      list_rows_read: shards?.list_rows_read ?? null,
      other,
    })
    console.log(`scoring size ${JSON.stringify(curve[curve.length - 1])}`)
  }
  const n = (c: Record<string, unknown>, k: string) => c[k] as number
  const growth = curve.slice(1).map((c, i) => ({
    users_x: +(n(c, 'users') / n(curve[i], 'users')).toFixed(2),
    time_x: +(n(c, 'total_ms') / n(curve[i], 'total_ms')).toFixed(2),
    rows_read_x: +(n(c, 'rows_read') / n(curve[i], 'rows_read')).toFixed(2),
  }))
  console.log(`BENCH scoring_scale ${JSON.stringify({ days_of_rollups: DAYS, users_per_account: USERS_PER_ACCOUNT, curve, growth })}`)
  expect(curve.length).toBe(SIZES.length)
  // the 100,000-user point seeds ~15 M rows and scores twice: ~30 min on a loaded 2-core machine
}, 3_600_000)
