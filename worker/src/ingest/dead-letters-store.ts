import type { IngestMessage } from './messages'

/**
 * Records a queue message that could not be written (idempotent on the queue's message id). The body is
 * kept whole so a replay sends exactly the events the client was told were accepted.
 */
export function deadLetterStatement(
  db: D1Database,
  message: Message<unknown>,
  body: IngestMessage | null,
  error: string,
  now: number,
): D1PreparedStatement {
  const raw = body ?? message.body
  let json: string
  try {
    json = JSON.stringify(raw) ?? 'null'
  } catch {
    json = JSON.stringify(String(raw))
  }
  return db
    .prepare(
      `INSERT INTO ingest_dead_letters (id, project_id, queue_message_id, events, body_json, attempts, error, status, failed_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'dead', ?8)
       ON CONFLICT (queue_message_id) DO UPDATE SET attempts = excluded.attempts, error = excluded.error, failed_at = excluded.failed_at`,
    )
    .bind(crypto.randomUUID(), body?.projectId ?? null, message.id, body?.rows.length ?? 0, json, message.attempts, error, now)
}
