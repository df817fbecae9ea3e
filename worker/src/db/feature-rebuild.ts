import { classifyTrack } from '../ingest/normalize'
import { DAY_MS, dayOf } from '../lib/days'
import { RAW_RETENTION_DAYS } from '../lib/retention'
import { buildFeatureIndex, listFeatures } from './features'
import { rollupStatements } from './rollups'

interface TrackRow {
  message_id: string
  ts: number
  name: string
  kind: string
  feature_key: string | null
  amount: number | null
  properties_json: string
}

const PAGE = 2000

/**
 * Re-tags the track events still inside the retention window with the current feature rules and
 * rebuilds the per-day rollups over those days, so a rule added today counts past use too.
 */
export async function reassignFeatureEvents(db: D1Database, projectId: string, now: number) {
  const index = buildFeatureIndex(await listFeatures(db, projectId))
  const since = Date.parse(dayOf(now - RAW_RETENTION_DAYS * DAY_MS))
  let cursor = { ts: since - 1, id: '' }
  let scanned = 0
  let retagged = 0
  for (;;) {
    const { results } = await db
      .prepare(
        `SELECT message_id, ts, name, kind, feature_key, amount, properties_json FROM events
         WHERE project_id = ?1 AND type = 'track' AND (ts > ?2 OR (ts = ?2 AND message_id > ?3))
         ORDER BY ts, message_id LIMIT ?4`,
      )
      .bind(projectId, cursor.ts, cursor.id, PAGE)
      .all<TrackRow>()
    const updates = results.flatMap((row) => {
      const cls = classifyTrack(row.name, JSON.parse(row.properties_json), index)
      const key = cls.feature?.key ?? null
      if (cls.kind === row.kind && key === row.feature_key && cls.amount === row.amount) return []
      const meaningful = cls.kind === 'feature' || cls.kind === 'value' ? 1 : 0
      return [
        db
          .prepare('UPDATE events SET kind = ?3, feature_key = ?4, amount = ?5, meaningful = ?6 WHERE project_id = ?1 AND message_id = ?2')
          .bind(projectId, row.message_id, cls.kind, key, cls.amount, meaningful),
      ]
    })
    if (updates.length) await db.batch(updates)
    scanned += results.length
    retagged += updates.length
    if (results.length < PAGE) break
    const last = results[results.length - 1]
    cursor = { ts: last.ts, id: last.message_id }
  }
  await rebuildRollups(db, projectId, since)
  return { scanned, retagged, since_day: dayOf(since) }
}

/** Rollups over whole days from `since` are recomputed from raw events, in one transaction. */
async function rebuildRollups(db: D1Database, projectId: string, since: number): Promise<void> {
  const day = dayOf(since)
  await db.batch([
    ...['user_days', 'user_event_days', 'user_feature_days'].map((table) =>
      db.prepare(`DELETE FROM ${table} WHERE project_id = ?1 AND day >= ?2`).bind(projectId, day),
    ),
    ...rollupStatements(db, projectId, { sinceTs: since }),
  ])
}
