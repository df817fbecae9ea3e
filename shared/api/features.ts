/**
 * The features contract: `/api/v1/features*` (admin API, snake_case) and the widget's `GET /v1/config`
 * (camelCase widget wire). Schemas reuse shared/features.ts and shared/config.ts; this file only names them.
 */
import { z } from '@hono/zod-openapi'
import { named } from './named'
import { captureSettingsSchema } from '../config'
import { clientRuleSchema, featureKeySchema, featurePatchSchema, featurePutSchema, featureSchema } from '../features'

const EXPORT = {
  key: 'report.export',
  name: 'Export a report',
  kind: 'feature',
  core: true,
  rules: [
    { match: 'event', event: 'Report Exported' },
    { match: 'click', selector: 'main .toolbar button.export', path: '/reports/**' },
  ],
} as const

export const featureResponseSchema = named(featureSchema, 'Feature', { example: EXPORT })

/** A feature key in the path. PUT and PATCH refuse a key the registry could not hold; GET and DELETE answer 404 for it. */
export const featureKeyParams = z.object({ key: named(featureKeySchema, { param: { name: 'key', in: 'path' }, example: 'report.export' }) })
export const anyFeatureKeyParams = z.object({ key: z.string().openapi({ param: { name: 'key', in: 'path' }, example: 'report.export' }) })

export const featurePutBodySchema = named(featurePutSchema, 'FeaturePut', {
  example: { name: EXPORT.name, core: true, rules: [...EXPORT.rules] },
})
export const featurePatchBodySchema = named(featurePatchSchema, 'FeaturePatch', { example: { core: false } })

/** The project's re-tagging job after a change of rules: raw events walked (`done` of `total`) and re-tagged. */
export const rebuildProgressSchema = z
  .object({
    status: z.enum(['running', 'done']),
    done: z.number().int().min(0),
    total: z.number().int().min(0),
    retagged: z.number().int().min(0),
    started_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
  })
  .openapi('FeatureRebuild', {
    example: { status: 'running', done: 1000, total: 4200, retagged: 37, started_at: '2026-05-04T10:00:00.000Z', finished_at: null },
  })
export type RebuildProgressWire = z.infer<typeof rebuildProgressSchema>

/** `rebuild`: the last re-tagging job (null: the project never had one). */
export const featureListSchema = z
  .object({ features: z.array(featureResponseSchema), rebuild: rebuildProgressSchema.nullable() })
  .openapi('FeatureList', { example: { features: [EXPORT], rebuild: null } })

/** `rebuild` on a write: the job this change started, or null when name or `core` alone changed (no re-tagging). */
export const featureWithRebuildSchema = z
  .object({ feature: featureResponseSchema, rebuild: rebuildProgressSchema.nullable() })
  .openapi('FeatureWithRebuild', {
    example: {
      feature: EXPORT,
      rebuild: {
        status: 'done',
        done: 4200,
        total: 4200,
        retagged: 37,
        started_at: '2026-05-04T10:00:00.000Z',
        finished_at: '2026-05-04T10:00:02.000Z',
      },
    },
  })

// ---- GET /v1/config: the widget's own wire (camelCase) ----------------------------------------------

export const configQueryShape = {
  writeKey: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "The project's public write key (or send it as `Authorization: Basic`)", example: 'wk_demo' }),
}

/** A feature as the widget needs it: only the rules it applies itself (click selectors and data attributes). */
export const configFeatureSchema = z.object({ key: featureKeySchema, name: featureSchema.shape.name, rules: z.array(clientRuleSchema) })
export type ConfigFeature = z.infer<typeof configFeatureSchema>

export const widgetConfigSchema = z
  .object({
    features: z.array(configFeatureSchema),
    capture: captureSettingsSchema,
    /** Whether the project has any live nudge; the widget asks for nudges only then. */
    nudges: z.boolean(),
  })
  .openapi('WidgetConfig', {
    example: {
      features: [
        {
          key: 'report.export',
          name: 'Export a report',
          rules: [{ match: 'click', selector: 'main .toolbar button.export', path: '/reports/**' }],
        },
      ],
      capture: {
        sessionTimeoutMinutes: 30,
        stripQueryParams: ['token', 'code'],
        respectDoNotTrack: false,
        requireConsent: false,
        captureClicks: true,
      },
      nudges: true,
    },
  })
export type WidgetConfig = z.infer<typeof widgetConfigSchema>
