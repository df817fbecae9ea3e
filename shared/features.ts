/** Features registry: what product teams define on the server so the widget captures without redeploys. */
import { z } from 'zod'

export const featureKeySchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'use letters, digits, and _ . : -')

/** A track event of this name is use of the feature (server-side). */
export const eventRuleSchema = z.object({ match: z.literal('event'), event: z.string().min(1).max(200) })
/** A click on an element matching the selector (the widget matches it; the server re-matches stored clicks). */
export const clickRuleSchema = z.object({
  match: z.literal('click'),
  selector: z.string().min(1).max(500),
  /** Glob over location.pathname: `*` matches one segment, `**` any number. */
  path: z.string().max(500).optional(),
})
/** A click on an element carrying `data-uptake-feature="<key>"`. */
export const attributeRuleSchema = z.object({ match: z.literal('attribute') })

/** A rule that marks an event as use of a feature. */
export const featureRuleSchema = z.discriminatedUnion('match', [eventRuleSchema, clickRuleSchema, attributeRuleSchema])
export type FeatureRule = z.infer<typeof featureRuleSchema>

/** The rules the widget applies itself, the only ones GET /v1/config sends. */
export const clientRuleSchema = z.discriminatedUnion('match', [clickRuleSchema, attributeRuleSchema])

export const featureKindSchema = z.enum(['feature', 'value', 'login'])
export type FeatureKind = z.infer<typeof featureKindSchema>

const featureName = z.string().min(1).max(200)
const featureRules = z.array(featureRuleSchema).max(20)

/** A feature of the registry, as stored and as the API answers it. */
export const featureSchema = z.object({
  key: featureKeySchema,
  name: featureName,
  kind: featureKindSchema,
  core: z.boolean(),
  rules: featureRules,
})
export type Feature = z.output<typeof featureSchema>

export const featureInputSchema = featureSchema.extend({
  kind: featureKindSchema.default('feature'),
  core: z.boolean().default(false),
  rules: featureRules.default([]),
})
export type FeatureInput = z.input<typeof featureInputSchema>

/** A message for a missing field that says why it is needed; other problems keep zod's own message. */
const requiredBecause = (why: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? `required: ${why}` : undefined),
})
const REPLACES = 'PUT replaces the whole feature (send "rules": [] for none, or use PATCH to change some fields)'

/**
 * `PUT /api/v1/features/:key`: the whole feature. `name` and `rules` must be sent; `kind` and `core`
 * take their defaults (`feature`, false) when left out.
 */
export const featurePutSchema = featureInputSchema.extend({
  key: featureKeySchema.optional(),
  name: z.string(requiredBecause(REPLACES)).min(1).max(200),
  rules: z.array(featureRuleSchema, requiredBecause(REPLACES)).max(20),
})

/** `PATCH /api/v1/features/:key`: only the fields sent change. */
export const featurePatchSchema = featureSchema
  .omit({ key: true })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'send at least one of name, kind, core, rules')
export type FeaturePatch = z.output<typeof featurePatchSchema>
