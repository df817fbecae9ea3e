import { DAY_MS, dayOf } from '../lib/days'
import { stateLayout, type StateEnv } from '../shards'
import { DEDUPE_DAYS, rawWindowStart } from './raw-window'

const CHUNK = 5000

/**
 * The daily retention purge, in chunks so no single D1 statement runs long: hot system events older than
 * the 90-day raw window, and dedupe keys (`event_ids`) received more than DEDUPE_DAYS ago (one pass of the project's
 * purge cursor; under a queue the consumer walks it as it writes, so a busy project keeps pace). Rollups are kept
 * (scoring never needs raw rows); the R2 archive expires by the bucket's lifecycle rule (README), not here.
 * Returns the rows deleted, both tables together.
 */
export async function purgeExpiredEvents(
  db: D1Database,
  now: number,
  maxChunks = 200,
  /** the account shards (ACCOUNT_SHARDS): a sharded project's hot events and dedupe keys are purged shard by shard */
  shards?: StateEnv['ACCOUNT_SHARDS'],
): Promise<number> {
  const cutoff = rawWindowStart(now)
  const { results: projects } = await db.prepare('SELECT id, state_shards FROM projects').all<{ id: string; state_shards: number }>()
  let deleted = 0
  let chunks = 0
  const drain = async (shard: D1Database, sql: string, ...binds: unknown[]) => {
    for (;;) {
      if (chunks >= maxChunks) return
      chunks++
      const res = await shard
        .prepare(sql)
        .bind(...binds, CHUNK)
        .run()
      deleted += res.meta.changes
      if (res.meta.changes < CHUNK) return
    }
  }
  for (const { id, state_shards } of projects) {
    let dbs: D1Database[]
    try {
      dbs = stateLayout({ DB: db, ACCOUNT_SHARDS: shards }, id, state_shards)
        .all()
        .map((s) => s.db)
    } catch (e) {
      console.warn('retention purge skipped a sharded project', id, String((e as Error)?.message ?? e))
      continue
    }
    // every shard keeps its own hot events, dedupe keys and purge cursor (the main D1 alone when not sharded)
    for (const shard of dbs) {
      await drain(
        shard,
        'DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE project_id = ?1 AND ts < ?2 LIMIT ?3)',
        id,
        cutoff,
      )
      // the dedupe keys: windows from the shard's purge cursor until one pass is complete (the consumer walks it too)
      // every key examined at least once: one pass from the start, or the rest of a pass begun by the consumer and one more
      let passesLeft: number | null = null
      while (chunks < maxChunks) {
        chunks++
        const walked = await purgeDedupeWindow(shard, id, now, DEDUPE_WINDOW_MAX)
        deleted += walked.deleted
        passesLeft ??= walked.from === '' ? 1 : 2
        if (walked.passEnded && --passesLeft === 0) break
      }
      if (chunks >= maxChunks) break
    }
    if (chunks >= maxChunks) break
  }
  return deleted
}

/** Keys a consumer write examines per key it inserted: 8 days of keys kept, one day's expiring, so ~1 pass a day. */
export const DEDUPE_SCAN_PER_INSERT = 10
/** Keys one purge statement examines at most (rows read; a bounded statement). */
export const DEDUPE_WINDOW_MAX = 50_000

/** Keys in key order after the project's cursor: the window one purge step examines (?1 project, ?2 cursor, ?3 size). */
const WINDOW = `SELECT message_id, received_day FROM event_ids WHERE project_id = ?1 AND message_id > ?2 ORDER BY message_id LIMIT ?3`

/**
 * One step of the dedupe-key purge: the next `size` keys after the project's cursor (primary-key order, no index
 * on the receipt day needed) are examined, the expired ones deleted, and the cursor moved past them (back to the
 * start when the window reached the end: a pass ended). Bounded reads and writes; exact dedupe is untouched
 * (only keys past DEDUPE_DAYS go). Concurrent steps may examine one window twice: deletes are idempotent.
 */
export async function purgeDedupeWindow(db: D1Database, projectId: string, now: number, size: number) {
  const n = Math.max(1, Math.min(DEDUPE_WINDOW_MAX, Math.floor(size)))
  const cursor =
    (await db
      .prepare('SELECT after_message_id FROM dedupe_purge_cursors WHERE project_id = ?1')
      .bind(projectId)
      .first<string>('after_message_id')) ?? ''
  const [moved, removed] = await db.batch([
    // the cursor first, from the window as it is before the delete (WHERE true: SQLite's upsert-after-SELECT rule)
    db
      .prepare(
        `INSERT INTO dedupe_purge_cursors (project_id, after_message_id, passes, updated_at)
         SELECT ?1, CASE WHEN COUNT(*) < ?3 THEN '' ELSE MAX(message_id) END, CASE WHEN COUNT(*) < ?3 THEN 1 ELSE 0 END, ?4
         FROM (${WINDOW}) WHERE true
         ON CONFLICT (project_id) DO UPDATE SET after_message_id = excluded.after_message_id,
           passes = passes + excluded.passes, updated_at = excluded.updated_at
         RETURNING after_message_id`,
      )
      .bind(projectId, cursor, n, now),
    db
      .prepare(`DELETE FROM event_ids WHERE project_id = ?1 AND message_id IN (SELECT message_id FROM (${WINDOW}) WHERE received_day < ?4)`)
      .bind(projectId, cursor, n, dedupeWindowStart(now)),
  ])
  const after = (moved.results[0] as { after_message_id: string } | undefined)?.after_message_id ?? ''
  return {
    from: cursor,
    deleted: removed.meta.changes,
    passEnded: after === '',
    rowsRead: (moved.meta.rows_read ?? 0) + (removed.meta.rows_read ?? 0),
  }
}

/** Keys inserted per purge step on average: smaller writes step now and then (their cursor write would outweigh them). */
export const DEDUPE_KEYS_PER_STEP = 500

/**
 * After a consumer write of `inserted` new keys: a purge step with probability inserted / DEDUPE_KEYS_PER_STEP (at
 * least one key), over a window of DEDUPE_SCAN_PER_INSERT keys per key that many writes insert on average, so the
 * walk keeps pace with ingest while small writes add ~2 cursor rows per 1,000 events instead of one per write.
 */
export async function purgeAfterWrite(db: D1Database, projectId: string, inserted: number, now: number, random = Math.random) {
  if (inserted <= 0) return null
  const p = Math.min(1, inserted / DEDUPE_KEYS_PER_STEP)
  if (random() >= p) return null
  return purgeDedupeWindow(db, projectId, now, (inserted / p) * DEDUPE_SCAN_PER_INSERT)
}

/** Dedupe keys received before this UTC day are purged: a retry is deduplicated for DEDUPE_DAYS days after its first receipt. */
export function dedupeWindowStart(now: number): string {
  return dayOf(now - DEDUPE_DAYS * DAY_MS)
}
