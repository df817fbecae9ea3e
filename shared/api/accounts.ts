/** Contract of the accounts endpoints: accounts with their usage, admin attributes, and erasure (/api/v1/accounts, /api/v1/users). snake_case. */
import { z } from '@hono/zod-openapi'
import { featureKindSchema } from '../features'
import { accountAttributesSchema } from '../scoring'

/** Ids are 1–200 characters, as ingest takes them. */
const pathId = (example: string) =>
  z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'id', in: 'path' }, example })
export const accountPathParams = z.object({ id: pathId('globex') })
export const userPathParams = z.object({ id: pathId('u_42') })

const isoTime = z.iso.datetime()
const count = z.number().int()
const bag = z.record(z.string(), z.unknown())

export const accountSummarySchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    users: count,
    active_users: count,
    events_30d: count,
    first_seen: isoTime,
    last_seen: isoTime,
  })
  .openapi('AccountSummary', {
    example: {
      id: 'globex',
      name: 'Globex',
      users: 12,
      active_users: 9,
      events_30d: 4120,
      first_seen: '2026-01-04T10:12:00.000Z',
      last_seen: '2026-06-01T16:40:00.000Z',
    },
  })

export const accountListSchema = z
  .object({
    window_days: count,
    accounts: z.array(accountSummarySchema),
    next: z.string().nullable().openapi({ description: 'Pass as `after` for the next page; null on the last' }),
  })
  .openapi('AccountList')

export const accountDetailSchema = z
  .object({
    window_days: count,
    account: z.object({
      id: z.string(),
      name: z.string().nullable(),
      traits: bag.openapi({ description: 'As clients sent them' }),
      attributes: bag.openapi({ description: 'Admin-owned: what scoring, segments, alerts and nudge targeting read for protected names' }),
      first_seen: isoTime,
      last_seen: isoTime,
    }),
    users: z.array(
      z.object({ id: z.string(), traits: bag, events_30d: count, active_days_30d: count, first_seen: isoTime, last_seen: isoTime }),
    ),
    events: z.array(z.object({ name: z.string(), events_30d: count, events_total: count, users_30d: count, last_day: z.iso.date() })),
    features: z.array(
      z.object({
        key: z.string(),
        name: z.string(),
        kind: featureKindSchema,
        core: z.boolean(),
        uses_30d: count,
        users_30d: count,
        uses_total: count,
        first_day: z.iso.date().nullable(),
        last_day: z.iso.date().nullable(),
      }),
    ),
  })
  .openapi('AccountDetail', {
    example: {
      window_days: 30,
      account: {
        id: 'globex',
        name: 'Globex',
        traits: { name: 'Globex', plan: 'team' },
        attributes: { arr: 24000, renewal_date: '2026-09-30' },
        first_seen: '2026-01-04T10:12:00.000Z',
        last_seen: '2026-06-01T16:40:00.000Z',
      },
      users: [
        {
          id: 'u_gina',
          traits: { email: 'gina@globex.test' },
          events_30d: 310,
          active_days_30d: 18,
          first_seen: '2026-01-04T10:12:00.000Z',
          last_seen: '2026-06-01T16:40:00.000Z',
        },
      ],
      events: [{ name: 'Invoice Created', events_30d: 120, events_total: 980, users_30d: 7, last_day: '2026-06-01' }],
      features: [
        {
          key: 'invoice.create',
          name: 'Create invoice',
          kind: 'feature',
          core: true,
          uses_30d: 120,
          users_30d: 7,
          uses_total: 980,
          first_day: '2026-01-04',
          last_day: '2026-06-01',
        },
      ],
    },
  })

export const accountAttributesBodySchema = accountAttributesSchema.openapi('AccountAttributesInput', {
  example: { arr: 24000, seats: 25, renewal_date: '2026-09-30', owner: 'dana@vendor.test', nps: null },
})

export const accountAttributesResultSchema = z.object({ account_id: z.string(), attributes: bag }).openapi('AccountAttributes', {
  example: { account_id: 'globex', attributes: { arr: 24000, seats: 25, renewal_date: '2026-09-30', owner: 'dana@vendor.test' } },
})

const erasureFields = {
  status: z
    .enum(['done', 'in_progress'])
    .openapi({ description: '`in_progress`: the call’s bounded work ran out first; call again until `done`' }),
  deleted: z.record(z.string(), count).openapi({ description: 'Rows deleted by this call, per table' }),
}
export const userErasureSchema = z.object({ user_id: z.string(), ...erasureFields }).openapi('UserErasure', {
  example: {
    user_id: 'u_42',
    status: 'done',
    deleted: { events: 812, user_days: 40, user_event_days: 95, user_feature_days: 61, nudge_states: 2, user_scores: 1, users: 1 },
  },
})
export const accountErasureSchema = z
  .object({ account_id: z.string(), ...erasureFields })
  .openapi('AccountErasure', { example: { account_id: 'globex', status: 'in_progress', deleted: { events: 4000, users: 3 } } })
