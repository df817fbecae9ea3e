import type { OutcomeKind } from '../../../shared/constants'
import type { Outcome as OutcomeInput } from '../../../shared/scoring'
import { DAY_MS } from '../lib/days'
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
