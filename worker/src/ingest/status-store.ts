import type { ProjectState } from '../shards'

/** The status count stops here: one call reads at most this many dedupe keys (a full count of a busy project's 8 days would not end). */
export const STATUS_COUNT_CAP = 10_000_000

/** Counts for GET /api/v1/ingest/status: two primary-key/index range counts, the dedupe keys' bounded by `cap`. */
export async function ingestCounts(
  db: D1Database,
  projectId: string,
  cap = STATUS_COUNT_CAP,
): Promise<{ storedEvents: number; storedCapped: boolean; deadLetters: number }> {
  const [stored, dead] = await db.batch<{ n: number }>([
    db.prepare('SELECT COUNT(*) AS n FROM (SELECT 1 FROM event_ids WHERE project_id = ?1 LIMIT ?2)').bind(projectId, cap),
    db.prepare("SELECT COUNT(*) AS n FROM ingest_dead_letters WHERE project_id = ?1 AND status = 'dead'").bind(projectId),
  ])
  const storedEvents = stored.results[0]?.n ?? 0
  return { storedEvents, storedCapped: storedEvents >= cap, deadLetters: dead.results[0]?.n ?? 0 }
}

/**
 * The same counts for a project in any layout: dead letters from the main D1, dedupe keys summed over the shards
 * (read in parallel, each up to an equal share of `cap`; a shard that filled its share is counted on within what
 * the others left), so the total is exact below `cap` and no call reads much more than `cap` keys.
 */
export async function projectIngestCounts(state: ProjectState, cap = STATUS_COUNT_CAP) {
  if (!state.sharded) return ingestCounts(state.control, state.projectId, cap)
  const countKeys = (db: D1Database, limit: number) =>
    db
      .prepare('SELECT COUNT(*) AS n FROM (SELECT 1 FROM event_ids WHERE project_id = ?1 LIMIT ?2)')
      .bind(state.projectId, limit)
      .first<number>('n')
      .then((n) => n ?? 0)
  const share = Math.ceil(cap / state.shards)
  const [dead, ...counts] = await Promise.all([
    state.control
      .prepare("SELECT COUNT(*) AS n FROM ingest_dead_letters WHERE project_id = ?1 AND status = 'dead'")
      .bind(state.projectId)
      .first<number>('n'),
    ...state.all().map(({ db }) => countKeys(db, share)),
  ])
  let total = counts.reduce((a, b) => a + (b ?? 0), 0)
  for (const [index, n] of counts.entries()) {
    if (total >= cap) break
    if ((n ?? 0) < share) continue
    // this shard has more than its share: count it again up to what the cap leaves
    const more = await countKeys(state.shard(index), cap - total + (n ?? 0))
    total += more - (n ?? 0)
  }
  const storedEvents = Math.min(total, cap)
  return { storedEvents, storedCapped: storedEvents >= cap, deadLetters: dead ?? 0 }
}
