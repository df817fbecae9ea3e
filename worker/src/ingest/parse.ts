import {
  batchEnvelopeSchema,
  eventSchema,
  FREE_FORM_LIMITS,
  freeFormViolation,
  MAX_BATCH_BYTES,
  MAX_EVENT_BYTES,
  utf8Length,
  type EventType,
  type UptakeEvent,
} from '../../../shared/events'
import type { RejectedEvent } from '../../../shared/api/ingest'
import { ApiError, badRequest, validationError, zodIssues } from '../http/errors'

export interface ParsedIngest {
  writeKey?: string
  sentAt?: string
  events: { index: number; event: UptakeEvent }[]
  rejected: RejectedEvent[]
}

const DEPTH_ONLY = { ...FREE_FORM_LIMITS, maxKeys: Infinity, maxArrayItems: Infinity, maxKeyLength: Infinity, maxStringLength: Infinity }

/** Depth of each field of an event (traits, properties, context…), checked before anything recurses over it. */
function tooDeep(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null
  for (const [field, value] of Object.entries(raw)) {
    const why = freeFormViolation(value, DEPTH_ONLY)
    if (why) return `${field}${why.startsWith('(root)') ? why.slice(6) : `.${why}`}`
  }
  return null
}

export const payloadTooLarge = () => new ApiError(413, 'payload_too_large', `Request body is larger than ${MAX_BATCH_BYTES} bytes`)

/**
 * Parses a `/v1/batch` body, or a single-event body when `singleType` is set (`/v1/track` etc.).
 * Events are validated one by one: bad ones are reported, good ones kept.
 */
export function parseIngestBody(text: string, singleType?: EventType): ParsedIngest {
  if (utf8Length(text) > MAX_BATCH_BYTES) throw payloadTooLarge()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (e) {
    throw new ApiError(400, 'malformed_json', `Body is not valid JSON: ${(e as Error).message}`)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Body must be a JSON object')

  const envelope = singleType ? singleEnvelope(body as Record<string, unknown>, singleType) : body
  const parsed = batchEnvelopeSchema.safeParse(envelope)
  if (!parsed.success) throw validationError(parsed.error)

  const events: ParsedIngest['events'] = []
  const rejected: RejectedEvent[] = []
  parsed.data.batch.forEach((raw, index) => {
    const messageId = messageIdOf(raw)
    // depth first: JSON.stringify recurses, and a few KB of `[[[[` would overflow the stack
    const deep = tooDeep(raw)
    if (deep) {
      rejected.push({ index, messageId, errors: [deep] })
      return
    }
    if (utf8Length(JSON.stringify(raw)) > MAX_EVENT_BYTES) {
      rejected.push({ index, messageId, errors: [`event is larger than ${MAX_EVENT_BYTES} bytes (UTF-8)`] })
      return
    }
    const result = eventSchema.safeParse(raw)
    if (result.success) events.push({ index, event: result.data })
    else rejected.push({ index, messageId, errors: zodIssues(result.error) })
  })
  return { writeKey: parsed.data.writeKey, sentAt: parsed.data.sentAt, events, rejected }
}

function singleEnvelope(body: Record<string, unknown>, type: EventType) {
  const { writeKey, ...event } = body
  return { writeKey, sentAt: event.sentAt, batch: [{ ...event, type }] }
}

function messageIdOf(raw: unknown): string | undefined {
  const id = (raw as { messageId?: unknown } | null)?.messageId
  return typeof id === 'string' ? id.slice(0, 100) : undefined
}
