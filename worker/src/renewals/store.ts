import type { OutcomeKind } from '../../../shared/constants'
import type { Outcome as OutcomeInput } from '../../../shared/scoring'
import { DAY_MS } from '../lib/days'
import type { ProjectState } from '../shards'
import type { AccountOutcome, FeatureUseCount } from './retention-table'

/** A recorded renewal outcome. */
export interface Outcome {
  id: number
  kind: OutcomeKind
  date: string
  amount: number | null
  createdAt: number
}

interface OutcomeRow {
  id: number
  kind: OutcomeKind
  date: string
  amount: number | null
  created_at: number
}

const toOutcome = (r: OutcomeRow): Outcome => ({ id: r.id, kind: r.kind, date: r.date, amount: r.amount, createdAt: r.created_at })

/**
 * SQL for "the latest outcome of account `o`": by outcome date, then by when it was recorded, so an
 * outcome back-filled later for an older date never counts as the latest.
 */
export const LATEST_OUTCOME_ID = `(SELECT x.id FROM account_outcomes x WHERE x.project_id = o.project_id AND x.account_id = o.account_id
  ORDER BY x.date DESC, x.created_at DESC, x.id DESC LIMIT 1)`

export async function accountExists(db: D1Database, projectId: string, accountId: string): Promise<boolean> {
  return (
    (await db.prepare('SELECT 1 AS ok FROM accounts WHERE project_id = ?1 AND id = ?2').bind(projectId, accountId).first('ok')) !== null
  )
}

/**
 * Records an outcome once per (account, kind, date): `created` is false when that outcome was already
 * stored, and `outcome` is then the stored one (whose amount may differ from the one sent).
 */
export async function recordOutcome(
  db: D1Database,
  projectId: string,
  accountId: string,
  o: OutcomeInput,
  now: number,
): Promise<{ created: boolean; outcome: Outcome }> {
  const inserted = await db
    .prepare(
      `INSERT INTO account_outcomes (project_id, account_id, kind, date, amount, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (project_id, account_id, kind, date) DO NOTHING RETURNING id, kind, date, amount, created_at`,
    )
    .bind(projectId, accountId, o.kind, o.date, o.amount ?? null, now)
    .first<OutcomeRow>()
  if (inserted) return { created: true, outcome: toOutcome(inserted) }
  const row = await db
    .prepare(
      'SELECT id, kind, date, amount, created_at FROM account_outcomes WHERE project_id = ?1 AND account_id = ?2 AND kind = ?3 AND date = ?4',
    )
    .bind(projectId, accountId, o.kind, o.date)
    .first<OutcomeRow>()
  if (!row) throw new Error('outcome neither inserted nor found')
  return { created: false, outcome: toOutcome(row) }
}

export async function listOutcomes(db: D1Database, projectId: string, accountId: string): Promise<Outcome[]> {
  const { results } = await db
    .prepare(
      'SELECT id, kind, date, amount, created_at FROM account_outcomes WHERE project_id = ?1 AND account_id = ?2 ORDER BY date, created_at, id',
    )
    .bind(projectId, accountId)
    .all<OutcomeRow>()
  return results.map(toOutcome)
}

export async function deleteOutcome(db: D1Database, projectId: string, accountId: string, id: number): Promise<boolean> {
  const res = await db
    .prepare('DELETE FROM account_outcomes WHERE project_id = ?1 AND account_id = ?2 AND id = ?3')
    .bind(projectId, accountId, id)
    .run()
  return res.meta.changes > 0
}

/** Each account's latest outcome (by date, then by when it was recorded). */
export async function latestOutcomes(db: D1Database, projectId: string): Promise<{ accountId: string; kind: OutcomeKind; date: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT o.account_id, o.kind, o.date FROM account_outcomes o WHERE o.project_id = ?1 AND o.id = ${LATEST_OUTCOME_ID} ORDER BY o.account_id`,
    )
    .bind(projectId)
    .all<{ account_id: string; kind: OutcomeKind; date: string }>()
  return results.map((o) => ({ accountId: o.account_id, kind: o.kind, date: o.date }))
}

/** Accounts with a renewal outcome (their latest), and which features each used how often in its first `days` days. */
export async function outcomeCohort(
  db: D1Database,
  projectId: string,
  days: number,
): Promise<{ outcomes: AccountOutcome[]; uses: FeatureUseCount[] }> {
  const [outcomes, uses] = await Promise.all([
    db
      .prepare(`SELECT o.account_id, o.kind FROM account_outcomes o WHERE o.project_id = ?1 AND o.id = ${LATEST_OUTCOME_ID}`)
      .bind(projectId)
      .all<{ account_id: string; kind: OutcomeKind }>(),
    db
      .prepare(
        `SELECT d.account_id, d.feature_key, SUM(d.n) AS n FROM user_feature_days d
       JOIN accounts a ON a.project_id = d.project_id AND a.id = d.account_id
       WHERE d.project_id = ?1 AND d.account_id IN (SELECT account_id FROM account_outcomes WHERE project_id = ?1) AND d.day < date((a.first_seen + ?2) / 1000, 'unixepoch')
       GROUP BY d.account_id, d.feature_key`,
      )
      .bind(projectId, days * DAY_MS)
      .all<{ account_id: string; feature_key: string; n: number }>(),
  ])
  return {
    outcomes: outcomes.results.map((o) => ({ accountId: o.account_id, kind: o.kind })),
    uses: uses.results.map((u) => ({ accountId: u.account_id, featureKey: u.feature_key, n: u.n })),
  }
}

/** Accounts (with their first_seen) one shard statement of the cohort reads: a bounded JSON parameter. */
const COHORT_CHUNK = 500

/**
 * `outcomeCohort` for a project's layout. Sharded: outcomes and the outcome accounts' first_seen come from D1; every
 * shard (one batch each) sums its feature days before each account's cut-off, passed as JSON; sums per (account,
 * feature) add across shards.
 */
export async function outcomeCohortOf(state: ProjectState, days: number): Promise<{ outcomes: AccountOutcome[]; uses: FeatureUseCount[] }> {
  const { control, projectId } = state
  if (!state.sharded) return outcomeCohort(control, projectId, days)
  const [outcomes, accounts] = await Promise.all([
    control
      .prepare(`SELECT o.account_id, o.kind FROM account_outcomes o WHERE o.project_id = ?1 AND o.id = ${LATEST_OUTCOME_ID}`)
      .bind(projectId)
      .all<{ account_id: string; kind: OutcomeKind }>(),
    control
      .prepare(
        `SELECT a.id, a.first_seen FROM accounts a
         WHERE a.project_id = ?1 AND a.id IN (SELECT account_id FROM account_outcomes WHERE project_id = ?1) ORDER BY a.id`,
      )
      .bind(projectId)
      .raw<[string, number]>(),
  ])
  const chunks: string[] = []
  for (let i = 0; i < accounts.length; i += COHORT_CHUNK) chunks.push(JSON.stringify(accounts.slice(i, i + COHORT_CHUNK)))
  const perShard = chunks.length
    ? await Promise.all(
        state.all().map(({ db }) =>
          db.batch<{ account_id: string; feature_key: string; n: number }>(
            chunks.map((chunk) =>
              db
                .prepare(
                  // the cut-off as the D1 query has it (integer ms + integer ms, integer division to seconds); CROSS JOIN
                  // keeps the accounts outside, so each is one index seek (the planner otherwise scans the feature days per account)
                  `WITH cut(account_id, before) AS (
                     SELECT json_extract(value, '$[0]'), date((json_extract(value, '$[1]') + ?3) / 1000, 'unixepoch') FROM json_each(?2))
                   SELECT d.account_id, d.feature_key, SUM(d.n) AS n
                   FROM cut CROSS JOIN user_feature_days d INDEXED BY idx_user_feature_days_project_id_account_id_feature_key_day
                   WHERE d.project_id = ?1 AND d.account_id = cut.account_id AND d.day < cut.before
                   GROUP BY d.account_id, d.feature_key`,
                )
                .bind(projectId, chunk, days * DAY_MS),
            ),
          ),
        ),
      )
    : []
  const sums = new Map<string, FeatureUseCount>()
  for (const results of perShard)
    for (const { results: rows } of results)
      for (const r of rows) {
        const key = JSON.stringify([r.account_id, r.feature_key])
        const u = sums.get(key)
        if (u) u.n += r.n
        else sums.set(key, { accountId: r.account_id, featureKey: r.feature_key, n: r.n })
      }
  return {
    outcomes: outcomes.results.map((o) => ({ accountId: o.account_id, kind: o.kind })),
    uses: [...sums.values()],
  }
}
