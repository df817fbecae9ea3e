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
