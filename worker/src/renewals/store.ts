import type { Outcome } from '../../../shared/scoring'

export interface OutcomeRow {
  id: number
  kind: Outcome['kind']
  date: string
  amount: number | null
  created_at: number
}

/**
 * SQL for "the latest outcome of account `o`": by outcome date, then by when it was recorded, so an
 * outcome back-filled later for an older date never counts as the latest.
 */
export const LATEST_OUTCOME_ID = `(SELECT x.id FROM account_outcomes x WHERE x.project_id = o.project_id AND x.account_id = o.account_id
  ORDER BY x.date DESC, x.created_at DESC, x.id DESC LIMIT 1)`

/**
 * Records an outcome once per (account, kind, date): `created` is false when that outcome was already
 * stored, and `row` is then the stored one (whose amount may differ from the one sent).
 */
export async function recordOutcome(db: D1Database, projectId: string, accountId: string, o: Outcome, now: number) {
  const inserted = await db
    .prepare(
      `INSERT INTO account_outcomes (project_id, account_id, kind, date, amount, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (project_id, account_id, kind, date) DO NOTHING RETURNING id, kind, date, amount, created_at`,
    )
    .bind(projectId, accountId, o.kind, o.date, o.amount ?? null, now)
    .first<OutcomeRow>()
  if (inserted) return { created: true, row: inserted }
  const row = await db
    .prepare('SELECT id, kind, date, amount, created_at FROM account_outcomes WHERE project_id = ?1 AND account_id = ?2 AND kind = ?3 AND date = ?4')
    .bind(projectId, accountId, o.kind, o.date)
    .first<OutcomeRow>()
  if (!row) throw new Error('outcome neither inserted nor found')
  return { created: false, row }
}

export async function listOutcomes(db: D1Database, projectId: string, accountId: string): Promise<OutcomeRow[]> {
  const { results } = await db
    .prepare('SELECT id, kind, date, amount, created_at FROM account_outcomes WHERE project_id = ?1 AND account_id = ?2 ORDER BY date, created_at, id')
    .bind(projectId, accountId)
    .all<OutcomeRow>()
  return results
}

export async function deleteOutcome(db: D1Database, projectId: string, accountId: string, id: number): Promise<boolean> {
  const res = await db.prepare('DELETE FROM account_outcomes WHERE project_id = ?1 AND account_id = ?2 AND id = ?3').bind(projectId, accountId, id).run()
  return res.meta.changes > 0
}
