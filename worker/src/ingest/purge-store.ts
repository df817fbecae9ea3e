import { DAY_MS, dayOf } from '../lib/days'
import { DEDUPE_DAYS, rawWindowStart } from './raw-window'

const CHUNK = 5000

/**
 * The daily retention purge, in chunks so no single D1 statement runs long: hot system events older than
 * the 90-day raw window, and dedupe keys (`event_ids`) received more than DEDUPE_DAYS ago. Rollups are kept
 * (scoring never needs raw rows); the R2 archive expires by the bucket's lifecycle rule (README), not here.
 * Returns the rows deleted, both tables together.
 */
export async function purgeExpiredEvents(db: D1Database, now: number, maxChunks = 200): Promise<number> {
  const cutoff = rawWindowStart(now)
  const dedupeCutoff = dedupeWindowStart(now)
  const { results: projects } = await db.prepare('SELECT id FROM projects').all<{ id: string }>()
  let deleted = 0
  let chunks = 0
  const drain = async (sql: string, ...binds: unknown[]) => {
    for (;;) {
      if (chunks >= maxChunks) return
      chunks++
      const res = await db
        .prepare(sql)
        .bind(...binds, CHUNK)
        .run()
      deleted += res.meta.changes
      if (res.meta.changes < CHUNK) return
    }
  }
  for (const { id } of projects) {
    await drain('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE project_id = ?1 AND ts < ?2 LIMIT ?3)', id, cutoff)
    // no index on received_day (it would cost a row write per event): each chunk scans the project's keys once; ISO days compare as text
    await drain(
      `DELETE FROM event_ids WHERE project_id = ?1 AND message_id IN
        (SELECT message_id FROM event_ids WHERE project_id = ?1 AND received_day < ?2 LIMIT ?3)`,
      id,
      dedupeCutoff,
    )
    if (chunks >= maxChunks) break
  }
  return deleted
}

/** Dedupe keys received before this UTC day are purged: a retry is deduplicated for DEDUPE_DAYS days after its first receipt. */
export function dedupeWindowStart(now: number): string {
  return dayOf(now - DEDUPE_DAYS * DAY_MS)
}
