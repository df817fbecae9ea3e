import type { Band } from '../../../shared/constants'
import { accountCard, type AccountCard } from './cards'
import { parseBag } from './store'

/** Cards of these accounts (unknown ids are left out), by id; with the latest score, which may be missing. */
export async function accountCards(db: D1Database, projectId: string, accountIds: readonly string[]): Promise<Map<string, AccountCard>> {
  const ids = [...new Set(accountIds)]
  const out = new Map<string, AccountCard>()
  // json_each of one bound array: any number of ids in one prepared statement
  for (let i = 0; i < ids.length; i += 500) {
    const { results } = await db
      .prepare(
        `SELECT a.id, a.name, a.attributes_json, s.score, s.band FROM accounts a
         LEFT JOIN account_scores s ON s.project_id = a.project_id AND s.account_id = a.id
         WHERE a.project_id = ?1 AND a.id IN (SELECT value FROM json_each(?2))`,
      )
      .bind(projectId, JSON.stringify(ids.slice(i, i + 500)))
      .all<{ id: string; name: string | null; attributes_json: string; score: number | null; band: Band | null }>()
    for (const r of results) out.set(r.id, accountCard(r, parseBag(r.attributes_json)))
  }
  return out
}
