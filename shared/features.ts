/** Features registry: what product teams define on the server so the widget captures without redeploys. */
import { z } from 'zod'

export const featureKeySchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9_.:-]*$/i, 'use letters, digits, and _ . : -')

/** A rule that marks an event as use of a feature. */
export const featureRuleSchema = z.discriminatedUnion('match', [
  z.object({ match: z.literal('event'), event: z.string().min(1).max(200) }),
  z.object({
    match: z.literal('click'),
    selector: z.string().min(1).max(500),
    /** Glob over location.pathname: `*` matches one segment, `**` any number. */
    path: z.string().max(500).optional(),
  }),
  z.object({ match: z.literal('attribute') }),
])
export type FeatureRule = z.infer<typeof featureRuleSchema>

export const featureKindSchema = z.enum(['feature', 'value', 'login'])
export type FeatureKind = z.infer<typeof featureKindSchema>

export const featureInputSchema = z.object({
  key: featureKeySchema,
  name: z.string().min(1).max(200),
  kind: featureKindSchema.default('feature'),
  core: z.boolean().default(false),
  rules: z.array(featureRuleSchema).max(20).default([]),
})
export type FeatureInput = z.input<typeof featureInputSchema>
export type Feature = z.output<typeof featureInputSchema>

/** A message for a missing field that says why it is needed; other problems keep zod's own message. */
const requiredBecause = (why: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? `required: ${why}` : undefined) })
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
export const featurePatchSchema = z
  .object({
    name: z.string().min(1).max(200),
    kind: featureKindSchema,
    core: z.boolean(),
    rules: z.array(featureRuleSchema).max(20),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'send at least one of name, kind, core, rules')
export type FeaturePatch = z.output<typeof featurePatchSchema>
