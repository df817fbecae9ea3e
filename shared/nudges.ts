/** Nudge definitions (admin API), validated so that a nudge that could never show is refused. */
import { z } from 'zod'
import { featureKeySchema } from './features'
import { attributeConditionSchema } from './scoring'
export * from './nudge-events'

const locale = z.string().regex(/^(default|[a-z]{2,3}(-[A-Za-z0-9]{2,8})?)$/, 'a locale such as "en" or "pt-BR", or "default"')
/** Text per locale with a required fallback. */
const localizedText = (max: number) => z.record(locale, z.string().max(max)).refine((t) => typeof t.default === 'string', { message: 'a "default" text is required' })

export const buttonActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('go'), path: z.string().regex(/^\/[^\s]*$/, 'a path starting with /').max(500) }),
  z.object({ type: z.literal('dismiss') }),
  z.object({ type: z.literal('snooze'), days: z.number().int().min(1).max(365) }),
  z.object({ type: z.literal('complete') }),
])

export const nudgeKindSchema = z.enum(['tooltip', 'hotspot', 'banner', 'modal', 'checklist', 'nps'])

export const nudgeTargetingSchema = z.object({
  segments: z.array(z.string().max(64)).max(20).optional(),
  bands: z.array(z.enum(['red', 'yellow', 'green', 'insufficient_data'])).max(4).optional(),
  /** Glob over the page path (`*` one segment, `**` any). */
  path: z.string().max(500).optional(),
  /** Shown only when an element matching this selector is on the page (checked by the widget). */
  elementPresent: z.string().max(500).optional(),
  userAttributes: z.array(attributeConditionSchema).max(10).optional(),
  accountAttributes: z.array(attributeConditionSchema).max(10).optional(),
  /** Behaviour over scoring metrics. */
  featureNotUsed: featureKeySchema.optional(),
  minDaysSinceSignup: z.number().int().min(0).max(3650).optional(),
  maxBreadth: z.number().min(0).max(1).optional(),
  maxHealthScore: z.number().min(0).max(100).optional(),
  /** Account core breadth below this percentile of its segment (absolute `poor` anchor for cohorts under 20). */
  breadthBelowSegmentPercentile: z.union([z.literal(25), z.literal(50), z.literal(75), z.literal(90)]).optional(),
})
export type NudgeTargeting = z.output<typeof nudgeTargetingSchema>

export const nudgeInputSchema = z
  .object({
    kind: nudgeKindSchema,
    anchor: z.string().min(1).max(500).optional(),
    title: localizedText(200),
    body: localizedText(2000),
    buttons: z.array(z.object({ label: localizedText(60), action: buttonActionSchema })).max(3).default([]),
    steps: z.array(z.object({ feature: featureKeySchema, label: localizedText(120) })).max(10).optional(),
    targetFeature: featureKeySchema.optional(),
    targeting: nudgeTargetingSchema.default({}),
    priority: z.number().int().min(0).max(1000).default(100),
    startAt: z.iso.datetime({ offset: true }).optional(),
    endAt: z.iso.datetime({ offset: true }).optional(),
    caps: z.object({ maxShows: z.number().int().min(1).max(1000).default(3), minDaysBetween: z.number().min(0).max(365).default(1) }).default({ maxShows: 3, minDaysBetween: 1 }),
    holdout: z.object({ share: z.number().min(0).max(0.5).default(0.1), unit: z.enum(['account', 'user']).default('account') }).default({ share: 0.1, unit: 'account' }),
    conversionDays: z.number().int().min(1).max(90).default(14),
    active: z.boolean().default(true),
  })
  .superRefine((n, ctx) => {
    if ((n.kind === 'tooltip' || n.kind === 'hotspot') && !n.anchor) ctx.addIssue({ code: 'custom', path: ['anchor'], message: `a ${n.kind} needs an anchor selector` })
    if (n.kind === 'checklist' && !n.steps?.length) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a checklist needs steps' })
    if (n.startAt && n.endAt && n.startAt >= n.endAt) ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'endAt must be after startAt' })
  })
export type NudgeInput = z.input<typeof nudgeInputSchema>
export type Nudge = z.output<typeof nudgeInputSchema> & { key: string }

export const nudgeKeySchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'use lower-case letters, digits, and _ . -')
