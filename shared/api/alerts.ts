/** Contract of GET /api/v1/alerts: CS alerts raised by the daily run, with their webhook delivery state. */
import { z } from '@hono/zod-openapi'
import { ALERT_KINDS } from '../constants'

export const alertKindSchema = z.enum(ALERT_KINDS).openapi('AlertKind', { description: 'What raised the alert (docs/scoring.md §15)' })

/** The alert as the webhook sent it: account, kind, reason, score and band before and after, deltas; rule and values for indicator alerts. */
const PAYLOAD_EXAMPLE = {
  account_id: 'globex',
  kind: 'score_drop',
  reason: 'score down 12 points in 7 days',
  score: 48,
  previous_score: 60,
  band: 'yellow',
  previous_band: 'green',
  delta7: -12,
  delta30: -9,
}

export const alertPayloadSchema = z.record(z.string(), z.unknown()).openapi('AlertPayload', {
  example: PAYLOAD_EXAMPLE,
})

export const alertSchema = z
  .object({
    id: z.number().int(),
    account_id: z.string(),
    kind: alertKindSchema,
    reason: z.string(),
    payload: alertPayloadSchema,
    created_at: z.iso.datetime(),
    delivered_at: z.iso
      .datetime()
      .nullable()
      .openapi({ description: 'When the webhook took it; null when there is no webhook or it failed' }),
    delivery_error: z.string().nullable().openapi({ description: 'Why the webhook did not take it (`HTTP 503`, a network error)' }),
  })
  .openapi('Alert', {
    example: {
      id: 41,
      account_id: 'globex',
      kind: 'score_drop',
      reason: 'score down 12 points in 7 days',
      payload: PAYLOAD_EXAMPLE,
      created_at: '2026-06-01T03:17:02.000Z',
      delivered_at: '2026-06-01T03:17:03.000Z',
      delivery_error: null,
    },
  })

export const alertListSchema = z.object({ alerts: z.array(alertSchema) }).openapi('AlertList')
