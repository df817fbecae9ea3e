import { env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject } from '../tests/worker/fixtures'
import { daysAgo } from '../worker/src/lib/days'
import { runProjectScoring } from '../worker/src/scoring/run'

const DAYS = 90
const USERS_PER_ACCOUNT = 10
const FEATURES = 10

/**
 * Rollups generated inside D1 with recursive CTEs (no raw events: scoring never reads them). Each user is
 * active on a deterministic ~40% of the 90 days and uses 3 features per active day.
 */
async function seed(projectId: string, accounts: number) {
  const users = accounts * USERS_PER_ACCOUNT
  const now = Date.now()
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'a' || i, 'Account ' || i, json_object('seats', 12, 'arr', (i % 7) * 9000), ?3, ?4 FROM n`,
    ).bind(projectId, accounts, now - DAYS * 86_400_000, now),
    env.DB.prepare(
      `INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'u' || i, 'a' || (i / ${USERS_PER_ACCOUNT}), '{}', ?3, ?4 FROM n`,
    ).bind(projectId, users, now - DAYS * 86_400_000, now),
    ...Array.from({ length: FEATURES }, (_, f) =>
      env.DB.prepare(
        `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at) VALUES (?1, ?2, ?2, ?3, 1, '[]', 0, 0)`,
      ).bind(projectId, `f${f}`, f === 0 ? 'value' : 'feature'),
    ),
  ])
  // one statement per day keeps each insert small
  const stmts = []
  for (let d = 0; d < DAYS; d++) {
    const day = daysAgo(now, d)
    stmts.push(
      env.DB.prepare(
        `INSERT INTO user_days (project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version)
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
        SELECT ?1, 'u' || i, ?3, 'a' || (i / ${USERS_PER_ACCOUNT}), 6, 4, 1, 1, 10, 900, '3.' || (i % 3) || '.0' FROM n WHERE (i * 7 + ?4) % 5 < 2`,
      ).bind(projectId, users, day, d),
      env.DB.prepare(
        `INSERT INTO user_feature_days (project_id, user_id, feature_key, day, account_id, n, amount)
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2), k(j) AS (VALUES (0), (1), (2))
        SELECT ?1, 'u' || i, 'f' || ((i + j * 3 + ?4) % ${FEATURES}), ?3, 'a' || (i / ${USERS_PER_ACCOUNT}), 2, 0 FROM n, k WHERE (i * 7 + ?4) % 5 < 2`,
      ).bind(projectId, users, day, d),
    )
  }
  for (let i = 0; i < stmts.length; i += 10) await env.DB.batch(stmts.slice(i, i + 10))
  return {
    users,
    rollupRows: await env.DB.prepare(
      'SELECT (SELECT COUNT(*) FROM user_days WHERE project_id = ?1) + (SELECT COUNT(*) FROM user_feature_days WHERE project_id = ?1) AS n',
    )
      .bind(projectId)
      .first<number>('n'),
  }
}

it('measures scoring time and D1 rows read as users double', async () => {
  const sizes = [250, 500, 1000]
  const curve: {
    accounts: number
    users: number
    rollup_rows: number | null
    rows_read: number
    rows_read_per_user: number
    load_ms: number
    compute_ms: number
    write_ms: number
    total_ms: number
  }[] = []
  for (const accounts of sizes) {
    const p = await newProject(`scoring-${accounts}`)
    const { users, rollupRows } = await seed(p.id, accounts)
    const { summary: run } = await runProjectScoring(env.DB, p.id, Date.now())
    curve.push({
      accounts,
      users,
      rollup_rows: rollupRows,
      rows_read: run.rows_read,
      rows_read_per_user: Math.round(run.rows_read / users),
      load_ms: run.load_ms,
      compute_ms: run.compute_ms,
      write_ms: run.ms - run.load_ms - run.compute_ms,
      total_ms: run.ms,
    })
  }
  const growth = curve.slice(1).map((c, i) => ({
    users_x: +(c.users / curve[i].users).toFixed(2),
    time_x: +(c.total_ms / curve[i].total_ms).toFixed(2),
    rows_read_x: +(c.rows_read / curve[i].rows_read).toFixed(2),
  }))
  console.log(`BENCH scoring ${JSON.stringify({ days_of_rollups: DAYS, users_per_account: USERS_PER_ACCOUNT, curve, growth })}`)
  expect(curve.length).toBe(sizes.length)
})
