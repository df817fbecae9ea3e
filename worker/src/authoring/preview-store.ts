import type { StoredClickRow } from './preview'

/** Most stored clicks one preview reads (newest first): bounded work per request, whatever the project's size. */
export const PREVIEW_PAGE = 5000

/** The newest raw `$click` events since `since` (their element path and page), and how many there are in all. */
export async function recentClicks(db: D1Database, projectId: string, since: number): Promise<{ clicks: StoredClickRow[]; total: number }> {
  // `name = '$click'` written as a literal: the partial index idx_events_project_id_ts_clicks applies only so
  const [page, count] = await db.batch([
    db
      .prepare(
        `SELECT json_extract(properties_json, '$.selector') AS selector, json_extract(properties_json, '$.path') AS path
         FROM events WHERE project_id = ?1 AND ts >= ?2 AND name = '$click' ORDER BY ts DESC LIMIT ?3`,
      )
      .bind(projectId, since, PREVIEW_PAGE),
    db.prepare(`SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND ts >= ?2 AND name = '$click'`).bind(projectId, since),
  ])
  return { clicks: page.results as StoredClickRow[], total: (count.results[0] as { n: number } | undefined)?.n ?? 0 }
}
