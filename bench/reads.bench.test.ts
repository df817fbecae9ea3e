import { env, SELF } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject } from '../tests/worker/fixtures'
import { ACCOUNT_EVENT_COUNTS_SQL, ACCOUNT_FEATURE_USE_SQL, ACCOUNT_USERS_SQL } from '../worker/src/accounts/store'
import { FEATURE_STATES_SQL } from '../worker/src/scoring/feature-states-store'
import { daysAgo } from '../worker/src/lib/days'
import { runProjectScoring } from '../worker/src/scoring/run'

const ACCOUNTS = 400
const USERS_PER_ACCOUNT = 10
const DAYS = 90
const FEATURES = 12
const EVENT_NAMES = 8
const REQUESTS = 40

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const r2 = (x: number) => Math.round(x * 100) / 100

/**
 * A big project generated in bulk inside D1 (recursive CTEs, no ingest): users active on ~40% of 90 days,
 * 2 features and 2 named events per active day, so a few hundred thousand feature-day rows.
 */
async function seed(projectId: string) {
  const users = ACCOUNTS * USERS_PER_ACCOUNT
  const now = Date.now()
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'a' || i, 'Account ' || i, json_object('seats', 12, 'arr', (i % 7) * 9000), ?3, ?4 FROM n`,
    ).bind(projectId, ACCOUNTS, now - DAYS * 86_400_000, now),
    env.DB.prepare(
      `INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'u' || i, 'a' || (i / ${USERS_PER_ACCOUNT}), '{}', ?3, ?4 FROM n`,
    ).bind(projectId, users, now - DAYS * 86_400_000, now),
    ...Array.from({ length: FEATURES }, (_, f) =>
      env.DB.prepare(
        `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at) VALUES (?1, ?2, ?2, ?3, ?4, '[]', 0, 0)`,
      ).bind(projectId, `f${f}`, f === 0 ? 'value' : f === 1 ? 'login' : 'feature', f % 2),
    ),
  ])
  const stmts = []
  for (let d = 0; d < DAYS; d++) {
    const day = daysAgo(now, d)
    const active = `FROM n, k WHERE (i * 7 + ?4) % 5 < 2`
    stmts.push(
      env.DB.prepare(
        `INSERT INTO user_days (project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version)
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2), k(j) AS (VALUES (0))
        SELECT ?1, 'u' || i, ?3, 'a' || (i / ${USERS_PER_ACCOUNT}), 6, 4, 1, 1, 10, 900, '3.1.0' ${active}`,
      ).bind(projectId, users, day, d),
      env.DB.prepare(
        `INSERT INTO user_feature_days (project_id, user_id, feature_key, day, account_id, n, amount)
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2), k(j) AS (VALUES (0), (1))
        SELECT ?1, 'u' || i, 'f' || ((i + j * 5 + ?4) % ${FEATURES}), ?3, 'a' || (i / ${USERS_PER_ACCOUNT}), 2, 0 ${active}`,
      ).bind(projectId, users, day, d),
      env.DB.prepare(
        `INSERT INTO user_event_days (project_id, user_id, name, day, account_id, n, amount)
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2), k(j) AS (VALUES (0), (1))
        SELECT ?1, 'u' || i, 'Event ' || ((i + j * 3 + ?4) % ${EVENT_NAMES}), ?3, 'a' || (i / ${USERS_PER_ACCOUNT}), 3, 0 ${active}`,
      ).bind(projectId, users, day, d),
    )
  }
  for (let i = 0; i < stmts.length; i += 9) await env.DB.batch(stmts.slice(i, i + 9))
  const count = (table: string) =>
    env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`).bind(projectId).first<number>('n')
  return {
    users,
    feature_day_rows: await count('user_feature_days'),
    event_day_rows: await count('user_event_days'),
    user_day_rows: await count('user_days'),
  }
}

async function plan(sql: string, args: unknown[]) {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...args)
    .all<{ detail: string }>()
  return results.map((r) => r.detail)
}

async function time(path: string, key: string) {
  const times: number[] = []
  let rowsRead = 0
  for (let r = -3; r < REQUESTS; r++) {
    const account = `a${(Math.abs(r) * 97 + 13) % ACCOUNTS}`
    const t = performance.now()
    const res = await SELF.fetch(`http://bench/api/v1${path.replace(':id', account)}`, { headers: { authorization: `Bearer ${key}` } })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    if (r >= 0) times.push(performance.now() - t)
  }
  return { median_ms: r2(median(times)), max_ms: r2(Math.max(...times)), rowsRead }
}

it('measures the per-account reads on a big project', async () => {
  const p = await newProject('reads-bench')
  const sizes = await seed(p.id)
  await runProjectScoring(env.DB, p.id, Date.now())
  const since = daysAgo(Date.now(), 29)
  const plans = {
    feature_states: await plan(FEATURE_STATES_SQL, [p.id, 'a7', since]),
    account_feature_use: await plan(ACCOUNT_FEATURE_USE_SQL, [p.id, 'a7', since]),
    account_event_counts: await plan(ACCOUNT_EVENT_COUNTS_SQL, [p.id, 'a7', since]),
    account_users: await plan(ACCOUNT_USERS_SQL, [p.id, 'a7', since]),
  }
  // a single-row keyed read through the same auth and routing: the unit the account reads are compared with
  const baseline = await time('/health/users/u1', p.readKey)
  const health = await time('/health/accounts/:id', p.readKey)
  const account = await time('/accounts/:id', p.readKey)
  const result = {
    accounts: ACCOUNTS,
    ...sizes,
    features: FEATURES,
    requests: REQUESTS,
    keyed_read_median_ms: baseline.median_ms,
    health_account_median_ms: health.median_ms,
    health_account_max_ms: health.max_ms,
    health_account_x_keyed: r2(health.median_ms / baseline.median_ms),
    account_median_ms: account.median_ms,
    account_max_ms: account.max_ms,
    account_x_keyed: r2(account.median_ms / baseline.median_ms),
    plans,
  }
  console.log(`BENCH reads ${JSON.stringify(result)}`)
  expect(sizes.feature_day_rows).toBeGreaterThan(200_000)
})
