import { rawWindowStart } from './raw-window'

const CHUNK = 5000

/**
 * Deletes raw events older than the retention window, in chunks so no single D1 statement runs long.
 * Rollups are kept: scoring never needs the raw rows.
 */
export async function purgeExpiredEvents(db: D1Database, now: number, maxChunks = 200): Promise<number> {
  const cutoff = rawWindowStart(now)
  const { results: projects } = await db.prepare('SELECT id FROM projects').all<{ id: string }>()
  let deleted = 0
  let chunks = 0
  for (const { id } of projects) {
    for (;;) {
      const res = await db
        .prepare('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE project_id = ?1 AND ts < ?2 LIMIT ?3)')
        .bind(id, cutoff, CHUNK)
        .run()
      deleted += res.meta.changes
      if (res.meta.changes < CHUNK || ++chunks >= maxChunks) break
    }
    if (chunks >= maxChunks) break
  }
  return deleted
}
