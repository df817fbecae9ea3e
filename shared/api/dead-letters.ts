/**
 * Ingest dead letters through the admin/CS API (snake_case): queue messages the writer could not store after
 * every retry, listed for operators and replayable (writes dedupe on messageId, so a replay never counts twice).
 */
import { z } from '@hono/zod-openapi'

export const DEAD_LETTER_STATUSES = ['dead', 'replayed'] as const

export const deadLetterSchema = z
  .object({
    id: z.string(),
    status: z.enum(DEAD_LETTER_STATUSES).describe('`dead`: waiting; `replayed`: sent again through the writer'),
    events: z.number().int().min(0).describe('Events in the message'),
    attempts: z.number().int().min(0).describe('Deliveries the queue made before giving up'),
    error: z.string().nullable().describe('Why the last delivery failed'),
    failed_at: z.iso.datetime(),
    replayed_at: z.iso.datetime().nullable(),
    body: z.unknown().optional().describe('The stored queue message (the request’s normalised events), only on GET /dead-letters/{id}'),
  })
  .openapi('DeadLetter', {
    example: {
      id: '3f1c7a52-64b8-4d0c-9a55-5b1f7f0e2d11',
      status: 'dead',
      events: 12,
      attempts: 6,
      error: 'D1_ERROR: no such table: users',
      failed_at: '2026-05-04T10:00:00.000Z',
      replayed_at: null,
    },
  })
export type DeadLetterWire = z.infer<typeof deadLetterSchema>

export const deadLetterListSchema = z
  .object({
    dead_letters: z.array(deadLetterSchema).describe('Newest first, at most `limit`, without their bodies'),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
  })
  .openapi('DeadLetterList')

export const deadLetterReplaySchema = z
  .object({
    id: z.string(),
    status: z.literal('replayed'),
    events: z.number().int().min(0),
    queued: z.boolean().describe('true: sent to the ingest queue (written within seconds); false: written in this request'),
    inserted: z.number().int().min(0).nullable().describe('Events newly stored by this replay (null when queued)'),
    duplicates: z.number().int().min(0).nullable().describe('Events already stored, skipped (null when queued)'),
  })
  .openapi('DeadLetterReplay', {
    example: { id: '3f1c7a52-64b8-4d0c-9a55-5b1f7f0e2d11', status: 'replayed', events: 12, queued: true, inserted: null, duplicates: null },
  })

/** `cursor` as the list hands it out: `<failed_at ms>.<id>`. */
export const DEAD_LETTER_CURSOR = /^\d{1,15}\.[A-Za-z0-9-]{1,64}$/
