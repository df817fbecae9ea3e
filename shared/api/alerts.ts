/** Contract of GET /api/v1/alerts: CS alerts raised by the daily run, with their webhook delivery state. */
import { z } from '@hono/zod-openapi'
import { ALERT_KINDS, ALERT_STATUSES, BANDS } from '../constants'
import { noteBodyText, noteSchema } from './notes'

export const alertKindSchema = z.enum(ALERT_KINDS).openapi('AlertKind', { description: 'What raised the alert (docs/scoring.md §15)' })

export const alertStatusSchema = z.enum(ALERT_STATUSES).openapi('AlertStatus', {
  description: '`open`, `snoozed` (until `snoozed_until`, then `open` again) or `done`',
})

/** The account an alert is about, as the queue shows it; null when the account is gone. */
const alertAccountSchema = z
  .object({
    name: z.string().nullable(),
    score: z.number().nullable(),
    band: z.enum(BANDS).nullable(),
    arr: z.number().nullable(),
    renewal_date: z.iso.date().nullable(),
    owner: z.string().nullable().openapi({ description: 'The account attribute `owner`' }),
  })
  .nullable()
  .openapi('AlertAccount')

const alertOwnerMemberSchema = z
  .object({ id: z.string(), name: z.string(), email: z.string() })
  .nullable()
  .openapi({ description: 'The live member the owner names, if any' })

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
    status: alertStatusSchema,
    owner: z
      .string()
      .nullable()
      .openapi({ description: "Member id or email: the assignee, else the account's `owner` attribute; null when neither" }),
    owner_member: alertOwnerMemberSchema,
    snoozed_until: z.iso.datetime().nullable(),
    done_at: z.iso.datetime().nullable(),
    updated_at: z.iso.datetime().nullable().openapi({ description: 'Last change through PATCH' }),
    account: alertAccountSchema,
    priority: z.number().openapi({ description: '0-100, higher first: lower health, higher ARR, nearer renewal' }),
    priority_reasons: z
      .array(z.string())
      .openapi({ description: 'What raises the priority, e.g. `health 38`, `ARR 120k`, `renews in 21 days`' }),
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
      status: 'open',
      owner: 'dana@ledgerly.test',
      owner_member: { id: 'mem_dana', name: 'Dana', email: 'dana@ledgerly.test' },
      snoozed_until: null,
      done_at: null,
      updated_at: null,
      account: { name: 'Globex', score: 48, band: 'yellow', arr: 120000, renewal_date: '2026-06-22', owner: 'dana@ledgerly.test' },
      priority: 52.7,
      priority_reasons: ['health 48', 'ARR 120k', 'renews in 21 days'],
    },
  })

export const alertListSchema = z.object({ alerts: z.array(alertSchema) }).openapi('AlertList')

/** Query of GET /alerts: status `active` is open plus snoozed whose time has passed (the same as `open`). */
export const ALERT_STATUS_FILTERS = [...ALERT_STATUSES, 'active'] as const

export const alertPatchBodySchema = z
  .strictObject({
    status: alertStatusSchema.optional(),
    owner: z
      .string()
      .trim()
      .min(1)
      .max(320)
      .nullable()
      .optional()
      .openapi({ description: "A member's id or email; null: back to the account's owner" }),
    snoozed_until: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .openapi({ description: 'Within a year; a time snoozes the alert, null wakes it' }),
    note: noteBodyText.optional().openapi({ description: 'Also written as a note on the account, linked to the alert' }),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'Send at least one of status, owner, snoozed_until, note')
  .openapi('AlertPatch', { example: { status: 'snoozed', snoozed_until: '2026-06-08T09:00:00.000Z', note: 'Waiting for their QBR' } })

export const alertPatchResultSchema = z.object({ alert: alertSchema, note: noteSchema.nullable() }).openapi('AlertPatchResult')

export const alertIdParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, 'an alert id')
    .transform(Number)
    .openapi({ param: { name: 'id', in: 'path' }, example: '41' }),
})
