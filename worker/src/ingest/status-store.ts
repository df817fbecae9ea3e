/** Counts for GET /api/v1/ingest/status: two primary-key/index range counts, bounded by the dedupe window. */
export async function ingestCounts(db: D1Database, projectId: string): Promise<{ storedEvents: number; deadLetters: number }> {
  const [stored, dead] = await db.batch<{ n: number }>([
    db.prepare('SELECT COUNT(*) AS n FROM event_ids WHERE project_id = ?1').bind(projectId),
    db.prepare("SELECT COUNT(*) AS n FROM ingest_dead_letters WHERE project_id = ?1 AND status = 'dead'").bind(projectId),
  ])
  return { storedEvents: stored.results[0]?.n ?? 0, deadLetters: dead.results[0]?.n ?? 0 }
}
