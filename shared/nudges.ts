/** Nudge definitions (admin API, snake_case like the rest of /api/v1), validated so that a nudge that could never show is refused. */
import { z } from 'zod'
import { featureKeySchema } from './features'
import { attributeConditionSchema } from './scoring'
import { MAX_TOUR_STEPS } from './tours'
export * from './nudge-events'
export { MAX_TOUR_STEPS }

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

export const nudgeKindSchema = z.enum(['tooltip', 'hotspot', 'banner', 'modal', 'checklist', 'nps', 'tour'])

const buttonsSchema = z
  .array(z.object({ label: localizedText(60), action: buttonActionSchema }))
  .max(3)
  .default([])

/** Most items of a checklist (a tour's most steps: MAX_TOUR_STEPS). */
export const MAX_CHECKLIST_STEPS = 10

export const checklistStepSchema = z.object({ feature: featureKeySchema, label: localizedText(120) })

/** One tour step: the fields of a single tooltip (with `anchor`) or modal (without), and the page it waits for. */
export const tourStepSchema = z.object({
  anchor: z.string().min(1).max(500).optional(),
  /** Glob over the page path the step belongs on (`*` one segment, `**` any); the tour waits there for it. */
  path: z
    .string()
    .regex(/^\/[^\s]*$/, 'a path starting with /')
    .max(500)
    .optional(),
  title: localizedText(200),
  body: localizedText(2000),
  buttons: buttonsSchema,
  placement: z.enum(['auto', 'above', 'below']).default('auto'),
})

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

/** The first problem of the step list as the kind it looks like (tour steps have a title), not a bare "Invalid input". */
function stepsProblem(issue: { input?: unknown; errors?: unknown }): string | undefined {
  const input = Array.isArray(issue.input) ? issue.input : []
  const tourLike = input.some((s) => typeof s === 'object' && s !== null && ('title' in s || 'body' in s || 'anchor' in s))
  const branches = Array.isArray(issue.errors) ? (issue.errors as { path: PropertyKey[]; message: string }[][]) : []
  const first = branches[tourLike ? 1 : 0]?.[0]
  if (!first) return undefined
  const kind = tourLike
    ? 'tour steps (1-20, each a title and a body)'
    : `checklist steps (up to ${MAX_CHECKLIST_STEPS}, each a feature and a label)`
  return `${kind}: ${[...first.path].map(String).join('.') || 'list'}: ${first.message}`
}

const nudgeDefinitionFields = z.object({
  kind: nudgeKindSchema,
  anchor: z.string().min(1).max(500).optional(),
  /** A tooltip's side of its anchor: below (`auto`, the default) or above; the other side when there is no room. */
  placement: z.enum(['auto', 'above', 'below']).optional(),
  title: localizedText(200),
  body: localizedText(2000),
  buttons: buttonsSchema,
  /** A checklist's items, or a tour's steps (1-20). */
  steps: z
    .union([z.array(checklistStepSchema).max(MAX_CHECKLIST_STEPS), z.array(tourStepSchema).min(1).max(MAX_TOUR_STEPS)], {
      error: stepsProblem,
    })
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
  if (n.kind === 'checklist' && !(n.steps?.length && !isTourSteps(n.steps)))
    ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a checklist needs steps, each a feature and a label' })
  if (n.kind === 'tour' && !(n.steps && isTourSteps(n.steps)))
    ctx.addIssue({ code: 'custom', path: ['steps'], message: `a tour needs 1-${MAX_TOUR_STEPS} steps, each a title and a body` })
  if (n.start_at && n.end_at && n.start_at >= n.end_at)
    ctx.addIssue({ code: 'custom', path: ['end_at'], message: 'end_at must be after start_at' })
})
export type TourStep = z.output<typeof tourStepSchema>
export type ChecklistStep = z.output<typeof checklistStepSchema>
/** Whether a definition's steps are a tour's (an empty list is a checklist's: a tour has at least one step). */
export function isTourSteps(steps: readonly (TourStep | ChecklistStep)[]): steps is TourStep[] {
  return steps.length > 0 && 'title' in steps[0]
}

/** A definition as an admin sends it (defaults may be left out) and as it is stored and answered (defaults filled in). */
export type NudgeDefinitionInput = z.input<typeof nudgeDefinitionSchema>
export type NudgeDefinition = z.output<typeof nudgeDefinitionSchema>

/** A stored nudge as the API answers it: its key and its definition with the defaults filled in. */
export const storedNudgeSchema = nudgeDefinitionFields.extend({ key: nudgeKeySchema })
