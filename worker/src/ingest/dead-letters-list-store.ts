/** Reads and marks of `ingest_dead_letters` for the admin/CS API (dead-letters-store.ts writes them). */

export interface DeadLetterRow {
  id: string
  status: 'dead' | 'replayed'
  events: number
  attempts: number
  error: string | null
  failed_at: number
  replayed_at: number | null
  body_json?: string
}

const COLUMNS = 'id, status, events, attempts, error, failed_at, replayed_at'

/** One page, newest first, keyset-paged on (failed_at, id) through idx_ingest_dead_letters_project_id_failed_at. */
export async function listDeadLetters(
  db: D1Database,
  projectId: string,
  opts: { status: 'dead' | 'replayed' | null; limit: number; after: { failedAt: number; id: string } | null },
): Promise<DeadLetterRow[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM ingest_dead_letters
       WHERE project_id = ?1 AND (?2 IS NULL OR status = ?2)
         AND (?3 IS NULL OR failed_at < ?3 OR (failed_at = ?3 AND id < ?4))
       ORDER BY failed_at DESC, id DESC LIMIT ?5`,
    )
    .bind(projectId, opts.status, opts.after?.failedAt ?? null, opts.after?.id ?? '', opts.limit)
    .all<DeadLetterRow>()
  return results
}

/** One dead letter of the project, with its stored body; null for another project's id. */
export function getDeadLetter(db: D1Database, projectId: string, id: string): Promise<DeadLetterRow | null> {
  return db
    .prepare(`SELECT ${COLUMNS}, body_json FROM ingest_dead_letters WHERE project_id = ?1 AND id = ?2`)
    .bind(projectId, id)
    .first<DeadLetterRow>()
}

export async function markReplayed(db: D1Database, projectId: string, id: string, now: number): Promise<void> {
  await db
    .prepare("UPDATE ingest_dead_letters SET status = 'replayed', replayed_at = ?3 WHERE project_id = ?1 AND id = ?2")
    .bind(projectId, id, now)
    .run()
}
