import type { Band } from '../../../shared/constants'
import { dateAttr, numberAttr, parseAttributes, stringAttr } from '../scoring'
import { LATEST_OUTCOME_ID } from './store'
import type { UpcomingRenewalRow } from './upcoming'

/** Renewals one answer adds up at most: the soonest this many. */
export const MAX_UPCOMING = 10_000

/**
 * Accounts whose `renewal_date` attribute falls from `fromDay` to `toDay` (both included), soonest first, with
 * their latest score; accounts whose latest outcome is a churn are left out. At most MAX_UPCOMING, and whether
 * there were more.
 */
export async function upcomingRenewalRows(
  db: D1Database,
  projectId: string,
  fromDay: string,
  toDay: string,
): Promise<{ rows: UpcomingRenewalRow[]; truncated: boolean }> {
  const { results } = await db
    .prepare(
      // the bound is text: a date-time renewal_date ('2026-06-14T00:00:00Z') sorts within its day, a number never matches
      `SELECT a.id, a.name, a.attributes_json, s.score, s.band, s.segment
       FROM accounts a LEFT JOIN account_scores s ON s.project_id = a.project_id AND s.account_id = a.id
       WHERE a.project_id = ?1 AND json_extract(a.attributes_json, '$.renewal_date') >= ?2 AND json_extract(a.attributes_json, '$.renewal_date') < ?3
         AND NOT EXISTS (SELECT 1 FROM account_outcomes o WHERE o.project_id = a.project_id AND o.account_id = a.id AND o.kind = 'churned'
           AND o.id = ${LATEST_OUTCOME_ID})
       ORDER BY json_extract(a.attributes_json, '$.renewal_date'), a.id LIMIT ?4`,
    )
    .bind(projectId, fromDay, `${toDay}~`, MAX_UPCOMING + 1)
    .all<{ id: string; name: string | null; attributes_json: string; score: number | null; band: Band | null; segment: string | null }>()
  const rows = results.slice(0, MAX_UPCOMING).flatMap((r): UpcomingRenewalRow[] => {
    const attrs = parseAttributes(r.attributes_json)
    const renewalDate = dateAttr(attrs, 'renewal_date')
    if (!renewalDate) return []
    return [
      {
        accountId: r.id,
        name: r.name,
        renewalDate,
        arr: numberAttr(attrs, 'arr'),
        score: r.score,
        band: r.band,
        segment: r.segment,
        owner: stringAttr(attrs, 'owner'),
      },
    ]
  })
  return { rows, truncated: results.length > MAX_UPCOMING }
}
