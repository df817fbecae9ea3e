import { z } from 'zod'
import type { EventRow } from './normalize'

/**
 * One Cloudflare Queue message per ingest request (more only when its events pass one message's size):
 * the request's validated, normalised rows, ready to write. Queues deliver at least once, so the
 * consumer's write is idempotent on (project, messageId).
 */
export interface IngestMessage {
  v: 1
  projectId: string
  receivedAt: number
  /** A secret key sent it: protected `group` traits become admin attributes when written. */
  trusted: boolean
  rows: EventRow[]
}

// developers.cloudflare.com/queues/platform/limits/: 128 KB per message, 256 KB and 100 messages per sendBatch
export const MAX_MESSAGE_BYTES = 120 * 1024
export const MAX_SEND_BATCH_BYTES = 240 * 1024
export const MAX_SEND_BATCH_MESSAGES = 100

const rowSchema = z.looseObject({
  messageId: z.string().min(1),
  type: z.string(),
  kind: z.string(),
  ts: z.number(),
  userId: z.string().nullable(),
  accountId: z.string().nullable(),
  properties: z.record(z.string(), z.unknown()),
  context: z.record(z.string(), z.unknown()),
})

/** What the consumer accepts: a message from another version or a corrupted body goes to the dead letters, not to D1. */
export const ingestMessageSchema = z.object({
  v: z.literal(1),
  projectId: z.string().min(1).max(200),
  receivedAt: z.number().int().positive(),
  trusted: z.boolean(),
  rows: z.array(rowSchema).min(1).max(5000),
})

const encoder = new TextEncoder()
export const byteLength = (value: unknown) => encoder.encode(JSON.stringify(value)).length

/** Splits a request's rows into messages under the per-message limit, keeping their order. */
export function toMessages(base: Omit<IngestMessage, 'rows'>, rows: EventRow[], maxBytes = MAX_MESSAGE_BYTES): IngestMessage[] {
  const envelope = byteLength({ ...base, rows: [] })
  const out: IngestMessage[] = []
  let current: EventRow[] = []
  let size = envelope
  for (const row of rows) {
    const n = byteLength(row) + 1
    if (current.length && size + n > maxBytes) {
      out.push({ ...base, rows: current })
      current = []
      size = envelope
    }
    current.push(row)
    size += n
  }
  if (current.length) out.push({ ...base, rows: current })
  return out
}

/** Groups messages into sendBatch calls under the per-call limits. */
export function sendBatches(messages: IngestMessage[]): IngestMessage[][] {
  const out: IngestMessage[][] = []
  let current: IngestMessage[] = []
  let size = 0
  for (const m of messages) {
    const n = byteLength(m)
    if (current.length && (size + n > MAX_SEND_BATCH_BYTES || current.length >= MAX_SEND_BATCH_MESSAGES)) {
      out.push(current)
      current = []
      size = 0
    }
    current.push(m)
    size += n
  }
  if (current.length) out.push(current)
  return out
}
