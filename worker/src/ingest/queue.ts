import type { IngestResult } from '../../../shared/api/ingest'
import type { Bindings } from '../http/env'
import { ApiError, isRetryableDbError } from '../http/errors'
import { storeIngest } from './consumer'
import { purgeAfterWrite } from './purge-store'
import { projectState } from '../shards'
import { deadLetterStatement } from './dead-letters-store'
import { ingestMessageSchema, sendBatches, toMessages, type IngestMessage } from './messages'
import type { EventType } from '../../../shared/events'
import { acceptIngest, type AcceptedIngest, type IngestMode } from './ingest'

/** Attempts before a message goes to the dead-letter queue (wrangler.toml `max_retries`, plus the first). */
export const MAX_ATTEMPTS = 6

/** Whether this deployment writes inline (no queue bound, or `INGEST_DIRECT=true` for tests) rather than through the queue. */
export const writesInline = (env: Bindings) => !env.INGEST_QUEUE || env.INGEST_DIRECT === 'true'

/**
 * Hands an accepted request to the writer: one queue message (more only past 128 KB), answered once the
 * queue has it, so nothing acknowledged to the client is ever lost. Inline mode writes at once and reports
 * the exact duplicates. A queue that refuses is a retryable 503.
 */
export async function enqueueIngest(env: Bindings, accepted: AcceptedIngest, receivedAt: number): Promise<IngestResult> {
  const messages = toMessages({ v: 1, projectId: accepted.projectId, receivedAt, trusted: accepted.trusted }, accepted.rows)
  if (writesInline(env)) {
    const stored = await storeIngest(env, accepted.projectId, messages, receivedAt)
    return { success: true, accepted: stored.inserted, duplicates: stored.duplicates, rejected: accepted.rejected }
  }
  const queue = env.INGEST_QUEUE as Queue<IngestMessage>
  try {
    for (const group of sendBatches(messages)) await queue.sendBatch(group.map((body) => ({ body, contentType: 'json' as const })))
  } catch (e) {
    console.warn('ingest queue refused', String((e as Error)?.message ?? e))
    throw new ApiError(503, 'unavailable', 'The ingest queue is busy; retry shortly')
  }
  // duplicates are found when the consumer writes (exact dedupe on messageId); the edge cannot know them yet
  return { success: true, accepted: accepted.rows.length, duplicates: 0, rejected: accepted.rejected, queued: true }
}

/** The whole request path: accept at the edge, then enqueue (or write inline). */
export async function ingest(
  env: Bindings,
  body: string,
  authorization: string | undefined,
  singleType?: EventType,
  receivedAt = Date.now(),
  mode: IngestMode = 'live',
): Promise<IngestResult> {
  return enqueueIngest(env, await acceptIngest(env.DB, body, authorization, singleType, receivedAt, mode), receivedAt)
}

// exponential backoff for a failing write: 2, 4, 8 … s, at most 5 minutes (developers.cloudflare.com/queues/configuration/batching-retries/)
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.max(1, attempts))

/**
 * The queue consumer: messages grouped by project (one D1 transaction and one archive object per project
 * and day), each group acked when written, retried with backoff when not. A body that cannot be read, or
 * a group failing on its last attempt for a non-transient reason, is recorded as a dead letter and acked.
 */
export async function consumeIngest(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const groups = new Map<string, { message: Message<unknown>; body: IngestMessage }[]>()
  const dead: D1PreparedStatement[] = []
  const deadAcks: Message<unknown>[] = []
  const now = Date.now()
  for (const message of batch.messages) {
    const parsed = ingestMessageSchema.safeParse(message.body)
    if (!parsed.success) {
      dead.push(deadLetterStatement(env.DB, message, null, 'unreadable queue message: ' + parsed.error.message.slice(0, 500), now))
      deadAcks.push(message)
      continue
    }
    const body = parsed.data as unknown as IngestMessage
    const list = groups.get(body.projectId) ?? []
    list.push({ message, body })
    groups.set(body.projectId, list)
  }
  if (dead.length) {
    try {
      await env.DB.batch(dead)
      for (const m of deadAcks) m.ack()
    } catch (e) {
      for (const m of deadAcks) m.retry({ delaySeconds: retryDelaySeconds(m.attempts) })
    }
  }
  for (const [projectId, list] of groups) {
    try {
      const stored = await storeIngest(
        env,
        projectId,
        list.map((l) => l.body),
      )
      for (const l of list) l.message.ack()
      // housekeeping after the ack: a failed purge step is retried by the next write (or the daily run), never the events;
      // each shard walks its own keys, stepping in proportion to what this write inserted there
      for (const [index, inserted] of stored.insertedByShard)
        await projectState(env, projectId)
          .then((state) => purgeAfterWrite(state.shard(index), projectId, inserted, now))
          .catch((e) => console.warn('dedupe purge step failed', projectId, index, String((e as Error)?.message ?? e)))
    } catch (e) {
      const error = String((e as Error)?.message ?? e).slice(0, 1000)
      console.warn('ingest write failed', projectId, error)
      for (const l of list) {
        // a permanent failure on the last try is kept where people can see and replay it; a transient one goes to the DLQ
        if (l.message.attempts >= MAX_ATTEMPTS && !isRetryableDbError(e)) {
          try {
            await deadLetterStatement(env.DB, l.message, l.body, error, Date.now()).run()
            l.message.ack()
            continue
          } catch {
            // fall through: the queue's own dead-letter queue takes it
          }
        }
        l.message.retry({ delaySeconds: retryDelaySeconds(l.message.attempts) })
      }
    }
  }
}

/** The dead-letter queue's consumer: every message that exhausted its retries is recorded, replayable through the API. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const now = Date.now()
  const statements = batch.messages.map((m) => {
    const parsed = ingestMessageSchema.safeParse(m.body)
    return deadLetterStatement(
      env.DB,
      m,
      parsed.success ? (parsed.data as unknown as IngestMessage) : null,
      `failed ${m.attempts} deliveries`,
      now,
    )
  })
  // one transaction: all recorded and acked, or all retried
  await env.DB.batch(statements)
  batch.ackAll()
}
