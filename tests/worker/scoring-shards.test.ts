import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { dayOf } from '../../worker/src/lib/days'
import { runProjectScoring } from '../../worker/src/scoring/run'
import { runScoring, runShardedScoring, scoreShard, splitByShard } from '../../worker/src/scoring/shard-run'
import { newProject } from './fixtures'

const DAY = 86_400_000
const ACCOUNTS = 80
const USERS_PER_ACCOUNT = 4

/**
 * The same rollups under any project id: 80 accounts over three segments (by ARR), 4 users each, 45 days, app
 * versions that differ by account (so a shard alone would miss the newest ones), a rule event, a few users with
 * no account and one user whose account has no row.
 */
async function seed(now: number) {
  const p = await newProject('shards')
  const today = dayOf(now)
  const users = ACCOUNTS * USERS_PER_ACCOUNT
  const active = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2),
    d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k + 1 < 45),
    a(i, k, day, acct) AS (SELECT i, k, date(?3, printf('-%d days', k)), i / ${USERS_PER_ACCOUNT} FROM n, d
      WHERE (i * 7 + k * 13 + (i / ${USERS_PER_ACCOUNT}) * 3) % 10 < 1 + (i * 37) % 7 - CASE WHEN k < 20 AND i % 3 = 0 THEN 1 ELSE 0 END)`
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'acct-' || i, 'Account ' || i, json_object('seats', 4 + i % 5, 'arr', (i % 7) * 12000), ?3 - (i % 40) * ${DAY}, ?3 FROM n`,
    ).bind(p.id, ACCOUNTS, now),
    env.DB.prepare(
      `INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'user-' || i, CASE WHEN i >= ?3 - 6 THEN NULL WHEN i = ?3 - 7 THEN 'ghost' ELSE 'acct-' || (i / ${USERS_PER_ACCOUNT}) END,
        '{}', ?4 - 50 * ${DAY}, ?4 FROM n`,
    ).bind(p.id, users, users, now),
    ...['f0', 'f1', 'f2', 'f3', 'f4'].map((f, i) =>
      env.DB.prepare(
        `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at) VALUES (?1, ?2, ?2, ?3, ?4, '[]', 0, 0)`,
      ).bind(p.id, f, i === 0 ? 'value' : 'feature', i < 4 ? 1 : 0),
    ),
    env.DB.prepare(
      `INSERT INTO user_days (project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version)
      ${active} SELECT ?1, 'user-' || i, day, CASE WHEN i >= ?2 - 6 THEN NULL WHEN i = ?2 - 7 THEN 'ghost' ELSE 'acct-' || acct END,
        5, 3, 1, i % 3, (i % 3) * 5.0, 600, '2.' || (acct % 6) || '.0' FROM a`,
    ).bind(p.id, users, today),
    env.DB.prepare(
      `INSERT INTO user_feature_days (project_id, user_id, feature_key, day, account_id, n, amount)
      ${active} SELECT ?1, 'user-' || i, 'f' || ((i + k) % (1 + acct % 5)), day, CASE WHEN i >= ?2 - 6 THEN NULL WHEN i = ?2 - 7 THEN 'ghost' ELSE 'acct-' || acct END, 2, 0 FROM a`,
    ).bind(p.id, users, today),
    env.DB.prepare(
      `INSERT INTO user_event_days (project_id, user_id, name, day, account_id, n, amount)
      ${active} SELECT ?1, 'user-' || i, 'Invoice Created', day, 'acct-' || acct, 40, 0 FROM a WHERE i % 2 = 0 AND i < ?2 - 7`,
    ).bind(p.id, users, today),
  ])
  return p.id
}

/** Everything a run writes, without the project id: what must not depend on how the run was split. */
async function written(projectId: string) {
  const rows = (sql: string) =>
    env.DB.prepare(sql)
      .bind(projectId)
      .all()
      .then((r) => r.results)
  return {
    scores: await rows(
      `SELECT account_id, day, score, band, pending_band, pending_since, segment, profile, churn_risk, delta30, explanation_json, flags_json,
        data_fresh_until FROM account_scores WHERE project_id = ?1 ORDER BY account_id`,
    ),
    snapshots: await rows(
      'SELECT account_id, day, score, band, segment, measures_json, flags_json FROM account_score_snapshots WHERE project_id = ?1 ORDER BY account_id, day',
    ),
    users: await rows('SELECT user_id, account_id, score, profile, measures_json FROM user_scores WHERE project_id = ?1 ORDER BY user_id'),
    benchmarks: await rows(
      'SELECT segment, measure, n, p25, p50, p75, p90 FROM segment_benchmarks WHERE project_id = ?1 ORDER BY segment, measure',
    ),
  }
}

describe('scoring split by account shard', () => {
  it('writes the same scores, bands, explanations, user scores and benchmarks with 1 shard as with 1, 3 or 8 (two days running)', async () => {
    const now = Date.now()
    const variants = [0, 1, 3, 8]
    const results = []
    for (const shards of variants) {
      const id = await seed(now)
      for (const at of [now - DAY, now]) {
        if (shards === 0) await runProjectScoring(env.DB, id, at)
        else await runShardedScoring(env.DB, id, at, shards)
      }
      results.push(await written(id))
    }
    const [single] = results
    // not vacuous: every account and user scored, segment percentiles present, bands differ
    expect(single.scores).toHaveLength(ACCOUNTS)
    expect(single.users).toHaveLength(ACCOUNTS * USERS_PER_ACCOUNT)
    expect(new Set(single.scores.map((s) => s.band)).size).toBeGreaterThan(1)
    expect(single.scores.some((s) => /"segment_percentile":\d/.test(s.explanation_json as string))).toBe(true)
    expect(single.scores.some((s) => /"key":"version_lag","label":"[^"]+","raw":[1-9]/.test(s.explanation_json as string))).toBe(true)
    expect(single.benchmarks.length).toBeGreaterThan(0)
    for (const r of results.slice(1)) expect(r).toEqual(single)
  }, 180_000)

  it('keeps the accounts apart: every account in exactly one shard, the one shardOf names, and every user scored', async () => {
    const now = Date.now()
    const id = await seed(now)
    const run = await runShardedScoring(env.DB, id, now, 4)
    expect(run.shards.score.map((s) => s.shard)).toEqual([0, 1, 2, 3])
    expect(run.shards.score.reduce((a, s) => a + s.accounts, 0)).toBe(ACCOUNTS)
    expect(run.shards.score.filter((s) => s.accounts > 0).length).toBeGreaterThan(1)
    // the ghost account and the six users without one are scored too
    expect(run.summary.users).toBe(ACCOUNTS * USERS_PER_ACCOUNT)
    const keys = splitByShard(
      Array.from({ length: ACCOUNTS }, (_, i) => `acct-${i}`),
      [],
      4,
    )
    expect(run.shards.score.map((s) => s.accounts)).toEqual(keys.map((k) => k.accountIds.length))
  }, 60_000)

  it('runs in one pass up to the size limit and shard by shard above it, alerts counted from each part', async () => {
    const now = Date.now()
    const small = await seed(now)
    const one = await runScoring(env.DB, small, now, false, async (_, accounts) => accounts.length, { minAccounts: ACCOUNTS })
    expect(one.shards).toBeNull()
    expect(one.alerts).toBe(ACCOUNTS)
    const big = await seed(now)
    const split = await runScoring(env.DB, big, now, false, async (_, accounts) => accounts.length, {
      minAccounts: ACCOUNTS - 1,
      shards: 4,
    })
    expect(split.shards?.score).toHaveLength(4)
    expect(split.alerts).toBe(ACCOUNTS)
    expect(await written(big)).toEqual(await written(small))
  }, 60_000)

  it('runs a shard from queue-shaped messages: measure every shard, merge, then score each, the same as in line', async () => {
    const now = Date.now()
    const inline = await seed(now)
    await runShardedScoring(env.DB, inline, now, 3)
    const queued = await seed(now)
    const { mergeCohortSummaries, EMPTY_COHORTS } = await import('../../worker/src/scoring/cohorts')
    let merged = EMPTY_COHORTS
    for (const shard of [2, 0, 1]) {
      const pass = await scoreShard(env.DB, { kind: 'measure', projectId: queued, at: now, shard, shards: 3 })
      merged = mergeCohortSummaries(merged, (pass as { summary: typeof merged }).summary)
    }
    // a message is JSON on the queue
    const cohorts = JSON.parse(JSON.stringify(merged))
    for (const shard of [1, 2, 0])
      await scoreShard(env.DB, { kind: 'score', projectId: queued, at: now, shard, shards: 3, backfill: false, cohorts })
    const a = await written(inline)
    const b = await written(queued)
    // the segment benchmarks are the in-line run's last step (a consumer's finisher would write them)
    expect({ ...b, benchmarks: a.benchmarks }).toEqual(a)
    await expect(scoreShard(env.DB, { kind: 'measure', projectId: queued, at: now, shard: 3, shards: 3 })).rejects.toThrow(RangeError)
  }, 60_000)
})
