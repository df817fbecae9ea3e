/** Nudge definitions (admin API, snake_case like the rest of /api/v1), validated so that a nudge that could never show is refused. */
import { z } from 'zod'
import { featureKeySchema } from './features'
import { attributeConditionSchema } from './scoring'
export * from './nudge-events'

const locale = z.string().regex(/^(default|[a-z]{2,3}(-[A-Za-z0-9]{2,8})?)$/, 'a locale such as "en" or "pt-BR", or "default"')
/** Text per locale with a required fallback. */
const localizedText = (max: number) =>
  z.record(locale, z.string().max(max)).refine((t) => typeof t.default === 'string', { message: 'a "default" text is required' })

export const buttonActionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('go'),
    path: z
      .string()
      .regex(/^\/[^\s]*$/, 'a path starting with /')
      .max(500),
  }),
  z.object({ type: z.literal('dismiss') }),
  z.object({ type: z.literal('snooze'), days: z.number().int().min(1).max(365) }),
  z.object({ type: z.literal('complete') }),
])

export const nudgeKindSchema = z.enum(['tooltip', 'hotspot', 'banner', 'modal', 'checklist', 'nps'])

export const nudgeTargetingSchema = z.object({
  segments: z.array(z.string().max(64)).max(20).optional(),
  bands: z
    .array(z.enum(['red', 'yellow', 'green', 'insufficient_data']))
    .max(4)
    .optional(),
  /** Glob over the page path (`*` one segment, `**` any). */
  path: z.string().max(500).optional(),
  /** Shown only when an element matching this selector is on the page (checked by the widget). */
  element_present: z.string().max(500).optional(),
  user_attributes: z.array(attributeConditionSchema).max(10).optional(),
  account_attributes: z.array(attributeConditionSchema).max(10).optional(),
  /** Behaviour over scoring metrics. */
  feature_not_used: featureKeySchema.optional(),
  min_days_since_signup: z.number().int().min(0).max(3650).optional(),
  max_breadth: z.number().min(0).max(1).optional(),
  max_health_score: z.number().min(0).max(100).optional(),
  /** Account core breadth below this percentile of its segment (absolute `poor` anchor for cohorts under 20). */
  breadth_below_segment_percentile: z.union([z.literal(25), z.literal(50), z.literal(75), z.literal(90)]).optional(),
})
export type NudgeTargeting = z.output<typeof nudgeTargetingSchema>

export const nudgeKeySchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'use lower-case letters, digits, and _ . -')

const nudgeDefinitionFields = z.object({
  kind: nudgeKindSchema,
  anchor: z.string().min(1).max(500).optional(),
  title: localizedText(200),
  body: localizedText(2000),
  buttons: z
    .array(z.object({ label: localizedText(60), action: buttonActionSchema }))
    .max(3)
    .default([]),
  steps: z
    .array(z.object({ feature: featureKeySchema, label: localizedText(120) }))
    .max(10)
    .optional(),
  target_feature: featureKeySchema.optional(),
  targeting: nudgeTargetingSchema.default({}),
  priority: z.number().int().min(0).max(1000).default(100),
  start_at: z.iso.datetime({ offset: true }).optional(),
  end_at: z.iso.datetime({ offset: true }).optional(),
  caps: z
    .object({ max_shows: z.number().int().min(1).max(1000).default(3), min_days_between: z.number().min(0).max(365).default(1) })
    .default({ max_shows: 3, min_days_between: 1 }),
  holdout: z
    .object({ share: z.number().min(0).max(0.5).default(0.1), unit: z.enum(['account', 'user']).default('account') })
    .default({ share: 0.1, unit: 'account' }),
  conversion_days: z.number().int().min(1).max(90).default(14),
  active: z.boolean().default(true),
})

export const nudgeDefinitionSchema = nudgeDefinitionFields.superRefine((n, ctx) => {
  if ((n.kind === 'tooltip' || n.kind === 'hotspot') && !n.anchor)
    ctx.addIssue({ code: 'custom', path: ['anchor'], message: `a ${n.kind} needs an anchor selector` })
  if (n.kind === 'checklist' && !n.steps?.length) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a checklist needs steps' })
  if (n.start_at && n.end_at && n.start_at >= n.end_at)
    ctx.addIssue({ code: 'custom', path: ['end_at'], message: 'end_at must be after start_at' })
})
/** A definition as an admin sends it (defaults may be left out) and as it is stored and answered (defaults filled in). */
export type NudgeDefinitionInput = z.input<typeof nudgeDefinitionSchema>
export type NudgeDefinition = z.output<typeof nudgeDefinitionSchema>

/** A stored nudge as the API answers it: its key and its definition with the defaults filled in. */
export const storedNudgeSchema = nudgeDefinitionFields.extend({ key: nudgeKeySchema })
