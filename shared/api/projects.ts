/**
 * The projects contract (admin API, snake_case): projects (operator key), keys, settings, identity verification
 * and the widget's own errors. Settings reuse shared/config.ts; this file only names and exemplifies them.
 */
import { z } from '@hono/zod-openapi'
import { projectSettingsSchema } from '../config'

const AT = '2026-05-04T10:00:00.000Z'
const isoTime = z.iso.datetime()

/** State shard counts a project may be created with (migration 0026's CHECK). */
export const STATE_SHARD_COUNTS = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const

// ---- keys ---------------------------------------------------------------------------------------------------

export const KEY_KINDS = ['write', 'read', 'admin'] as const
export const keyKindSchema = z
  .enum(KEY_KINDS)
  .openapi({ description: '`write`: public, ingest only; `read`: GET on /api/v1; `admin`: everything' })

const KEY = {
  id: 'key_3f9a1c0d5e7b2a64',
  kind: 'read',
  prefix: 'rk_',
  label: 'Looker',
  last4: 'x9Qa',
  created_at: AT,
  revoked_at: null,
  current: false,
  member_id: null,
} as const

/** A key as listed: never its secret or hash, only the last 4 characters. */
export const keySchema = z
  .object({
    id: z.string().openapi({ description: 'Public id (`key_…`), to revoke or rotate the key by' }),
    kind: keyKindSchema,
    prefix: z.string().openapi({ description: 'Prefix of the secret: `wk_`, `rk_` or `sk_`' }),
    label: z.string(),
    last4: z.string().nullable().openapi({ description: 'Last 4 characters of the secret (null for keys an old script created)' }),
    created_at: isoTime,
    revoked_at: isoTime.nullable(),
    current: z.boolean().openapi({ description: 'Whether this is the key the request was made with' }),
    member_id: z.string().nullable().openapi({ description: 'The team member the key belongs to (`mem_…`); null for a project key' }),
  })
  .openapi('Key', { example: KEY })

const revocationDelay = z
  .number()
  .int()
  .openapi({ description: 'Seconds a revoked key may still work in other isolates (key cache lifetime)', example: 30 })

export const keyListSchema = z
  .object({ keys: z.array(keySchema), revocation_delay_seconds: revocationDelay })
  .openapi('KeyList', { example: { keys: [KEY], revocation_delay_seconds: 30 } })

export const newKeyBodySchema = z
  .strictObject({
    kind: keyKindSchema,
    label: z.string().trim().min(1).max(100).optional().openapi({ description: 'Default: `<kind> key`' }),
  })
  .openapi('NewKey', { example: { kind: 'read', label: 'Looker' } })

const SECRET = 'rk_J1d0hW3mZ9cTqV7yXbN2sA8eK4fLp6Gu'
const secret = z.string().openapi({ description: 'The secret, shown this once: store it now' })

export const createdKeySchema = z.object({ key: keySchema, secret }).openapi('CreatedKey', { example: { key: KEY, secret: SECRET } })

export const revokedKeySchema = z
  .object({ key: keySchema, revocation_delay_seconds: revocationDelay })
  .openapi('RevokedKey', { example: { key: { ...KEY, revoked_at: AT }, revocation_delay_seconds: 30 } })

export const rotatedKeySchema = z
  .object({
    key: keySchema,
    secret,
    revoked: keySchema.nullable().openapi({ description: 'The old key, now revoked' }),
    revocation_delay_seconds: revocationDelay,
  })
  .openapi('RotatedKey', {
    example: {
      key: { ...KEY, id: 'key_0b1c2d3e4f5a6b7c' },
      secret: SECRET,
      revoked: { ...KEY, revoked_at: AT },
      revocation_delay_seconds: 30,
    },
  })

export const keyIdParams = z.object({
  id: z
    .string()
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, example: KEY.id }),
})

// ---- projects (operator) -----------------------------------------------------------------------------------

export const PROJECT_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/

export const newProjectBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    id: z
      .string()
      .regex(PROJECT_ID, '1-64 of a-z, 0-9 and -, not starting or ending with -')
      .optional()
      .openapi({ description: 'Default: derived from the name' }),
    state_shards: z
      .number()
      .int()
      .refine((n) => (STATE_SHARD_COUNTS as readonly number[]).includes(n), {
        message: 'state_shards must be a power of two from 1 to 256 (1, 2, 4, 8, 16, 32, 64, 128 or 256)',
      })
      .optional()
      .openapi({
        description:
          'Account shards holding the user-grain state (1, 2, 4, …, 256; default 1 = the main D1). Fixed at creation; more than 1 needs the ACCOUNT_SHARDS binding.',
        example: 4,
      }),
  })
  .openapi('NewProject', { example: { name: 'Acme Analytics', id: 'acme' } })

const createdKey = z.object({
  id: z.string(),
  kind: keyKindSchema,
  prefix: z.string(),
  label: z.string(),
  last4: z.string().nullable(),
  secret,
})

export const createdProjectSchema = z
  .object({
    project: z.object({
      id: z.string(),
      name: z.string(),
      created_at: isoTime,
      state_shards: z.number().int().openapi({ description: 'Account shards holding the user-grain state (never changes)' }),
    }),
    keys: z.array(createdKey),
  })
  .openapi('CreatedProject', {
    example: {
      project: { id: 'acme', name: 'Acme Analytics', created_at: AT, state_shards: 1 },
      keys: [
        { id: 'key_1a2b3c4d5e6f7a8b', kind: 'write', prefix: 'wk_', label: 'write key', last4: 'Q2x9', secret: 'wk_8Zc1…Q2x9' },
        { id: 'key_2b3c4d5e6f7a8b9c', kind: 'read', prefix: 'rk_', label: 'read key', last4: 'mN4p', secret: 'rk_Yt7d…mN4p' },
        { id: 'key_3c4d5e6f7a8b9c0d', kind: 'admin', prefix: 'sk_', label: 'admin key', last4: 'Lw0e', secret: 'sk_Hq3v…Lw0e' },
      ],
    },
  })

// ---- settings ----------------------------------------------------------------------------------------------

const SETTINGS = {
  capture: {
    session_timeout_minutes: 30,
    strip_query_params: ['token', 'email'],
    respect_do_not_track: true,
    require_consent: false,
    capture_clicks: true,
  },
  nudges: { max_per_session: 1, max_per_week: 3, theme: { accent: '#e91e63', radius: '4px', bg_dark: '#1f2229' } },
  alerts: { webhook_url: 'https://crm.example.com/hooks/uptake', secret: 'a-long-enough-secret', cooldown_days: 7 },
  attributes: { protected: ['arr', 'seats', 'tier', 'renewal_date'] },
  identity: { verification: 'off' },
} as const

/** PUT replaces the settings: a section or field left out takes its default. */
export const settingsBodySchema = projectSettingsSchema.openapi('SettingsInput', { example: SETTINGS })

export const settingsResponseSchema = z
  .object({ settings: projectSettingsSchema.openapi('Settings') })
  .openapi('SettingsAnswer', { example: { settings: SETTINGS } })

// ---- identity verification ---------------------------------------------------------------------------------

export const identityStatusSchema = z
  .object({
    verification: z.enum(['off', 'required']),
    secret: z
      .object({
        rotated_at: isoTime,
        previous_valid_until: isoTime.nullable().openapi({ description: 'Until when the secret before the last rotation still verifies' }),
      })
      .nullable()
      .openapi({ description: 'null: no secret created yet' }),
  })
  .openapi('IdentityStatus', {
    example: { verification: 'required', secret: { rotated_at: AT, previous_valid_until: '2026-05-05T10:00:00.000Z' } },
  })

export const identitySecretSchema = z
  .object({ secret: z.string().openapi({ description: '64 hex digits, shown this once' }), rotated_at: isoTime, note: z.string() })
  .openapi('IdentitySecret', {
    example: {
      secret: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      rotated_at: AT,
      note: 'Shown once: store it on your backend, never in the page.',
    },
  })

// ---- widget errors -----------------------------------------------------------------------------------------

export const widgetErrorSchema = z.object({
  at: isoTime,
  user_id: z.string().nullable(),
  message: z.string().optional(),
  where: z.string().optional().openapi({ description: 'The widget code path that failed' }),
  path: z.string().optional().openapi({ description: 'Page path the error happened on' }),
})

export const widgetErrorListSchema = z.object({ errors: z.array(widgetErrorSchema) }).openapi('WidgetErrors', {
  example: { errors: [{ at: AT, user_id: 'u_42', message: 'nudge render failed', where: 'nudges', path: '/reports' }] },
})
