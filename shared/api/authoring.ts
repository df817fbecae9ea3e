/**
 * The authoring contract (issue 11): admin links and sessions (`/api/v1/authoring`, snake_case), the builder's own
 * API in the product page (`/v1/authoring`, camelCase like the rest of the widget wire, authenticated by the
 * session token), and drafts and version history of nudges and features (`/api/v1/{nudges|features}/{key}/…`).
 */
import { z } from '@hono/zod-openapi'
import { featureKeySchema, featurePutSchema, featureSchema } from '../features'
import { nudgeDefinitionSchema, nudgeKeySchema } from '../nudges'
import { dueNudgeSchema, nudgeDefinitionBodySchema } from './nudges'
import { featurePutBodySchema, rebuildProgressSchema } from './features'

const httpUrl = z
  .string()
  .max(2000)
  .refine((u) => /^https?:\/\/[^\s/]+/i.test(u) && URL.canParse(u), 'an http(s) URL of a page of your product')

/** POST /api/v1/authoring/links: the product page to open in authoring mode. */
export const authoringLinkBodySchema = z
  .object({ url: httpUrl.openapi({ example: 'https://app.example.com/reports' }) })
  .openapi('AuthoringLinkRequest')

export const authoringLinkSchema = z
  .object({
    link: z.string().openapi({ description: 'The page with `#uptake-author=<one-time token>`: open it once, within minutes' }),
    expires_at: z.iso.datetime(),
    session_hours: z.number().openapi({ description: 'How long the authoring session the link opens lasts' }),
  })
  .openapi('AuthoringLink', {
    example: {
      link: 'https://app.example.com/reports#uptake-author=al_4kQ…',
      expires_at: '2026-06-01T09:40:00.000Z',
      session_hours: 8,
    },
  })

export const authoringSessionSchema = z
  .object({
    id: z.string(),
    status: z.enum(['active', 'expired', 'revoked']),
    origin: z.string(),
    author: z.string(),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable(),
    revoked_at: z.iso.datetime().nullable(),
  })
  .openapi('AuthoringSession')
export const authoringSessionListSchema = z.object({ sessions: z.array(authoringSessionSchema) }).openapi('AuthoringSessions')
export const sessionIdParams = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'ses_Zq3kP0aLx9s' }),
})

/** POST /v1/authoring/session: the widget trades the link's one-time token, with the project's write key, for a session. */
export const sessionExchangeBodySchema = z
  .object({ token: z.string().min(1).max(200), writeKey: z.string().min(1).max(200) })
  .openapi('AuthoringExchange')
export const sessionExchangeSchema = z
  .object({ session: z.string(), expiresAt: z.iso.datetime(), author: z.string() })
  .openapi('AuthoringSessionToken')

/** GET /v1/authoring/context: what the builder offers to pick from. */
export const builderContextSchema = z
  .object({
    author: z.string(),
    expiresAt: z.iso.datetime(),
    features: z.array(featureSchema.extend({ draft: z.boolean() })),
    nudges: z.array(z.object({ key: z.string(), kind: z.string(), published: z.boolean(), draft: z.boolean() })),
    segments: z.array(z.string()),
  })
  .openapi('BuilderContext')

/** POST /v1/authoring/preview: how many past clicks a click rule would count. */
export const clickPreviewBodySchema = z
  .object({ selector: z.string().min(1).max(500), path: z.string().max(500).optional() })
  .openapi('ClickPreviewRequest')
export const clickPreviewSchema = z
  .object({
    selector: z.string(),
    path: z.string().nullable(),
    /** false when the server cannot match this selector against stored clicks (outside the supported subset): matched is 0. */
    supported: z.boolean(),
    matched: z.number().int(),
    scanned: z.number().int(),
    /** `$click` events found in the archive objects read (newest days first); `scanned < total` when the click bound cut the scan short. */
    total: z.number().int(),
    /** How far back the preview looked: `from` is the window's start unless the object bound stopped it at a later day. */
    window: z.object({ from: z.iso.datetime(), to: z.iso.datetime(), days: z.number().int() }),
  })
  .openapi('ClickPreview')

/** POST /v1/authoring/nudges/preview: a definition as users would get it, resolved to a locale. */
export const nudgePreviewBodySchema = z
  .object({ definition: nudgeDefinitionSchema, locale: z.string().max(35).default('default') })
  .openapi('NudgePreviewRequest')
export const nudgePreviewSchema = z
  .object({ nudge: dueNudgeSchema, theme: z.record(z.string(), z.string()), problems: z.array(z.string()) })
  .openapi('NudgePreview')

export const builderFeatureParams = z.object({
  key: featureKeySchema.openapi({ param: { name: 'key', in: 'path' }, example: 'report.export' }),
})
export const builderNudgeParams = z.object({
  key: nudgeKeySchema.openapi({ param: { name: 'key', in: 'path' }, example: 'export-tip' }),
})
export const featureDraftBodySchema = featurePutBodySchema
export const nudgeDraftBodySchema = nudgeDefinitionBodySchema
export { featurePutSchema }

/** One published state of a nudge or feature. */
export const versionSchema = z
  .object({
    version: z.number().int(),
    action: z.enum(['publish', 'restore', 'delete']),
    author: z.string(),
    created_at: z.iso.datetime(),
    /** The definition as published (null for a deletion). */
    definition: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('Version')
export const draftSchema = z
  .object({ author: z.string(), updated_at: z.iso.datetime(), definition: z.record(z.string(), z.unknown()) })
  .openapi('Draft')
export const historySchema = z
  .object({
    key: z.string(),
    /** What users see now (null: not published, or deleted). */
    published: z.record(z.string(), z.unknown()).nullable(),
    draft: draftSchema.nullable(),
    versions: z.array(versionSchema),
  })
  .openapi('History')
export const restoreBodySchema = z.object({ version: z.number().int().min(1) }).openapi('Restore')
export const publishedSchema = z
  .object({
    key: z.string(),
    version: z.number().int(),
    published: z.record(z.string(), z.unknown()),
    rebuild: rebuildProgressSchema.nullable().optional(),
  })
  .openapi('Published')
export const draftSavedSchema = z.object({ key: z.string(), draft: draftSchema }).openapi('DraftSaved')
