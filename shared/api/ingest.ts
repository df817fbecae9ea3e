/**
 * The ingest contract (Segment HTTP Tracking API wire, camelCase). Request bodies are documented here from the
 * schemas of shared/events.ts but parsed by the worker itself: text/plain beacons are JSON too, and each event is
 * accepted or refused on its own, so one bad event never fails the batch.
 */
import { z } from '@hono/zod-openapi'
import { named } from './named'
import {
  aliasEventSchema,
  batchEnvelopeSchema,
  eventSchema,
  groupEventSchema,
  identifyEventSchema,
  MAX_BATCH_EVENTS,
  pageEventSchema,
  screenEventSchema,
  trackEventSchema,
  type EventType,
} from '../events'

const NOW = '2026-05-04T10:00:00.000Z'
const TRACK = {
  type: 'track',
  event: 'Report Exported',
  userId: 'u_42',
  messageId: 'm-7f3a',
  timestamp: NOW,
  properties: { format: 'csv' },
  context: { groupId: 'acme' },
} as const

export const segmentEventSchema = named(eventSchema, 'SegmentEvent', { example: TRACK })

/** The body of `/v1/batch` (and `/v1/b`, `/v1/import`): up to 500 events, 32 KB each, 500 KB in all. */
export const segmentBatchSchema = named(
  batchEnvelopeSchema.extend({ batch: z.array(segmentEventSchema).min(1).max(MAX_BATCH_EVENTS) }),
  'SegmentBatch',
  {
    example: {
      writeKey: 'wk_demo',
      sentAt: NOW,
      batch: [TRACK, { type: 'group', userId: 'u_42', groupId: 'acme', traits: { name: 'Acme' }, timestamp: NOW }],
    },
  },
)

const writeKey = batchEnvelopeSchema.shape.writeKey

/** The component name of a single-event body: `SegmentTrack`… */
export const singleEventComponent = (type: EventType) => `Segment${type[0].toUpperCase()}${type.slice(1)}`

const single = (type: EventType, shape: z.ZodRawShape & { type: z.ZodType }) =>
  z.object({ ...shape, type: shape.type.optional(), writeKey }).openapi(singleEventComponent(type))

/** The body of a single-event endpoint (`/v1/track`, `/v1/t`…): one event, whose `type` the path implies. */
export const singleEventSchemas: Record<EventType, z.ZodType> = {
  identify: single('identify', identifyEventSchema.shape),
  track: single('track', trackEventSchema.shape),
  page: single('page', pageEventSchema.shape),
  screen: single('screen', screenEventSchema.shape),
  group: single('group', groupEventSchema.shape),
  alias: single('alias', aliasEventSchema.shape),
}

export const rejectedEventSchema = z
  .object({
    /** Position of the event in `batch` (0 for a single-event endpoint). */
    index: z.number().int().min(0),
    messageId: z.string().optional(),
    errors: z.array(z.string()),
  })
  .openapi('RejectedEvent', { example: { index: 1, messageId: 'm-7f3b', errors: ['userId: userId or anonymousId is required'] } })
export type RejectedEvent = z.infer<typeof rejectedEventSchema>

/** `accepted`: stored now; `duplicates`: messageIds already stored (retries); `rejected`: refused, with why. */
export const ingestResultSchema = z
  .object({
    success: z.boolean(),
    accepted: z.number().int().min(0),
    duplicates: z.number().int().min(0),
    rejected: z.array(rejectedEventSchema),
    /** The events are on the ingest queue: written within seconds, duplicates (exact, on messageId) skipped then. */
    queued: z.boolean().optional(),
  })
  .openapi('IngestResult', {
    example: {
      success: true,
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, messageId: 'm-7f3b', errors: ['userId: userId or anonymousId is required'] }],
    },
  })
export type IngestResult = z.infer<typeof ingestResultSchema>

/** GET /api/v1/ingest/status: what the writer has stored, for operators and for a seed waiting on the queue. */
export const ingestStatusSchema = z
  .object({
    mode: z
      .enum(['queue', 'inline'])
      .describe('`queue`: the Segment endpoints enqueue and the consumer writes; `inline`: written in the request'),
    stored_events: z.number().int().min(0).describe('Distinct events stored inside the dedupe window (8 days of receipt)'),
    stored_events_capped: z
      .boolean()
      .describe('`true`: the count stopped at 10,000,000 (a bounded read), so `stored_events` means "at least"'),
    dedupe_days: z.number().int().min(1),
    dead_letters: z.number().int().min(0).describe('Queue messages that failed every retry and are not replayed yet'),
    archive_prefix: z.string().describe('Where this project’s raw events are in the R2 bucket (`raw/<project>/<day>/<batch>.ndjson.gz`)'),
  })
  .openapi('IngestStatus')
export type IngestStatus = z.infer<typeof ingestStatusSchema>
