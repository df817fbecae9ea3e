import { env } from 'cloudflare:test'
import { api } from './fixtures'

/** An account with admin attributes and, when given, a latest score. */
export async function seedAccount(
  projectId: string,
  id: string,
  attributes: Record<string, unknown>,
  score?: { score: number; band: string },
) {
  const now = Date.now()
  await env.DB.prepare(
    'INSERT INTO accounts (project_id, id, name, traits_json, attributes_json, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)',
  )
    .bind(projectId, id, id[0].toUpperCase() + id.slice(1), '{}', JSON.stringify(attributes), now)
    .run()
  if (score)
    await env.DB.prepare(
      `INSERT INTO account_scores (project_id, account_id, day, model_version, score, band, profile, explanation_json, computed_at)
       VALUES (?1, ?2, ?3, 'v1', ?4, ?5, 'default', '{}', ?6)`,
    )
      .bind(projectId, id, new Date(now).toISOString().slice(0, 10), score.score, score.band, now)
      .run()
}

/** An alert as the daily run stores it, `ageMs` ago. */
export async function seedAlert(projectId: string, accountId: string, kind = 'score_drop', ageMs = 3600_000): Promise<number> {
  const at = Date.now() - ageMs
  const payload = { account_id: accountId, kind, reason: 'score down 12 points in 7 days' }
  return (await env.DB.prepare(
    `INSERT INTO account_alerts (project_id, account_id, kind, alert_key, reason, payload_json, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id`,
  )
    .bind(projectId, accountId, kind, `${accountId}:${kind}`, payload.reason, JSON.stringify(payload), at)
    .first<number>('id'))!
}

export async function addMember(adminKey: string, name: string, email: string): Promise<{ id: string }> {
  const res = await api('/members', adminKey, { method: 'POST', body: JSON.stringify({ name, email }) })
  return (await res.json<{ member: { id: string } }>()).member
}

export async function memberSecret(adminKey: string, memberId: string, kind: 'read' | 'admin'): Promise<string> {
  const res = await api(`/members/${memberId}/keys`, adminKey, { method: 'POST', body: JSON.stringify({ kind }) })
  return (await res.json<{ secret: string }>()).secret
}

/** A stand-in for a Queue binding that keeps what the producer sent, as the queue would (JSON). */
export function recordingQueue<T>() {
  const sent: T[] = []
  const keep = (body: unknown) => sent.push(JSON.parse(JSON.stringify(body)) as T)
  const queue = {
    async send(body: unknown) {
      keep(body)
    },
    async sendBatch(messages: { body: unknown }[]) {
      for (const m of messages) keep(m.body)
    },
  }
  return { sent, queue: queue as unknown as Queue }
}

/** `n` bare accounts `a0`… (no users): enough to put a project over the scoring fan-out's threshold. */
export const seedBareAccounts = (projectId: string, n: number) =>
  env.DB.prepare(
    `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen)
     WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2) SELECT ?1, 'a' || i, NULL, '{}', 0, 0 FROM n`,
  )
    .bind(projectId, n)
    .run()

const DAY = 86_400_000
export const SCORING_BASE = { accounts: 80, usersPerAccount: 4 }

/**
 * The same rollups under any project id: 80 accounts over three segments (by ARR), 4 users each, 45 days, app
 * versions that differ by account (so a shard alone would miss the newest ones), a rule event, a few users with
 * no account and one user whose account has no row; with `renewal`, every third account renews that day.
 */
export async function seedScoringBase(projectId: string, now: number, renewal: string | null = null) {
  const { accounts, usersPerAccount: per } = SCORING_BASE
  const today = new Date(now).toISOString().slice(0, 10)
  const users = accounts * per
  const active = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2),
    d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k + 1 < 45),
    a(i, k, day, acct) AS (SELECT i, k, date(?3, printf('-%d days', k)), i / ${per} FROM n, d
      WHERE (i * 7 + k * 13 + (i / ${per}) * 3) % 10 < 1 + (i * 37) % 7 - CASE WHEN k < 20 AND i % 3 = 0 THEN 1 ELSE 0 END)`
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO accounts (project_id, id, name, traits_json, attributes_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'acct-' || i, 'Account ' || i, json_object('seats', 4 + i % 5, 'arr', (i % 7) * 12000),
        CASE WHEN ?4 IS NOT NULL AND i % 3 = 0 THEN json_object('renewal_date', ?4) ELSE '{}' END, ?3 - (i % 40) * ${DAY}, ?3 FROM n`,
    ).bind(projectId, accounts, now, renewal),
    env.DB.prepare(
      `INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'user-' || i, CASE WHEN i >= ?3 - 6 THEN NULL WHEN i = ?3 - 7 THEN 'ghost' ELSE 'acct-' || (i / ${per}) END,
        '{}', ?4 - 50 * ${DAY}, ?4 FROM n`,
    ).bind(projectId, users, users, now),
    ...['f0', 'f1', 'f2', 'f3', 'f4'].map((f, i) =>
      env.DB.prepare(
        `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at) VALUES (?1, ?2, ?2, ?3, ?4, '[]', 0, 0)`,
      ).bind(projectId, f, i === 0 ? 'value' : 'feature', i < 4 ? 1 : 0),
    ),
    env.DB.prepare(
      `INSERT INTO user_days (project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version)
      ${active} SELECT ?1, 'user-' || i, day, CASE WHEN i >= ?2 - 6 THEN NULL WHEN i = ?2 - 7 THEN 'ghost' ELSE 'acct-' || acct END,
        5, 3, 1, i % 3, (i % 3) * 5.0, 600, '2.' || (acct % 6) || '.0' FROM a`,
    ).bind(projectId, users, today),
    env.DB.prepare(
      `INSERT INTO user_feature_days (project_id, user_id, feature_key, day, account_id, n, amount)
      ${active} SELECT ?1, 'user-' || i, 'f' || ((i + k) % (1 + acct % 5)), day, CASE WHEN i >= ?2 - 6 THEN NULL WHEN i = ?2 - 7 THEN 'ghost' ELSE 'acct-' || acct END, 2, 0 FROM a`,
    ).bind(projectId, users, today),
    env.DB.prepare(
      `INSERT INTO user_event_days (project_id, user_id, name, day, account_id, n, amount)
      ${active} SELECT ?1, 'user-' || i, 'Invoice Created', day, 'acct-' || acct, 40, 0 FROM a WHERE i % 2 = 0 AND i < ?2 - 7`,
    ).bind(projectId, users, today),
  ])
}

/** The rows of a query whose only parameter (?1) is the project. */
export const projectRows = (projectId: string) => (sql: string) =>
  env.DB.prepare(sql)
    .bind(projectId)
    .all()
    .then((r) => r.results)

/** Everything a run writes, without the project id: what must not depend on how the run was split. */
export async function scoringWritten(projectId: string) {
  const rows = projectRows(projectId)
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
