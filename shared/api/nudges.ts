/** Contract of the nudge endpoints: admin definitions and performance (/api/v1/nudges, snake_case), decisions (/v1/nudges, the widget's camelCase wire). */
import { z } from '@hono/zod-openapi'
import { buttonActionSchema, nudgeDefinitionSchema, nudgeKeySchema, nudgeKindSchema, storedNudgeSchema } from '../nudges'

const EXAMPLE = {
  kind: 'tooltip',
  anchor: '#export-csv',
  title: { default: 'Export to your accountant', fr: 'Exportez pour votre comptable' },
  body: { default: 'One click gives a **CSV** of every invoice.' },
  buttons: [{ label: { default: 'Later' }, action: { type: 'snooze', days: 3 } }],
  target_feature: 'report.export',
  targeting: { path: '/demo/reports', segments: ['tech_touch'], min_days_since_signup: 7, feature_not_used: 'report.export' },
  priority: 500,
  caps: { max_shows: 3, min_days_between: 1 },
  holdout: { share: 0.1, unit: 'account' },
  conversion_days: 14,
  active: true,
} as const

export const nudgeDefinitionBodySchema = nudgeDefinitionSchema.openapi('NudgeDefinition', { example: EXAMPLE })
export const nudgeResourceSchema = storedNudgeSchema.openapi('Nudge', { example: { key: 'export-tip', ...EXAMPLE } })

/** A nudge named in the path: a valid key to create one (PUT); any key to look one up (an unknown one is a 404). */
export const nudgeKeyParams = z.object({ key: nudgeKeySchema.openapi({ param: { name: 'key', in: 'path' }, example: 'export-tip' }) })
export const anyNudgeKeyParams = z.object({
  key: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'key', in: 'path' }, example: 'export-tip' }),
})

export const nudgeListSchema = z.object({ nudges: z.array(nudgeResourceSchema) }).openapi('NudgeList')
export const nudgeEnvelopeSchema = z.object({ nudge: nudgeResourceSchema }).openapi('NudgeAnswer')

const groupConversion = z.object({ users: z.number().int(), converted: z.number().int(), rate: z.number().nullable() })
export const conversionLiftSchema = z
  .object({
    shown: groupConversion,
    holdout: groupConversion,
    lift: z.number().nullable(),
    ci95: z.tuple([z.number(), z.number()]).nullable(),
    interval: z.literal('newcombe_hybrid_score'),
    significant: z.boolean(),
  })
  .openapi('ConversionLift', {
    example: {
      shown: { users: 40, converted: 20, rate: 0.5 },
      holdout: { users: 20, converted: 5, rate: 0.25 },
      lift: 0.25,
      ci95: [-0.0141, 0.4525],
      interval: 'newcombe_hybrid_score',
      significant: false,
    },
  })

const count = z.number().int()
export const nudgePerformanceSchema = z
  .object({
    nudge: z.string(),
    target_feature: z.string().nullable(),
    conversion_days: count,
    definition: z.string(),
    funnel: z.object({ users_shown: count, shows: count, clicked: count, dismissed: count, snoozed: count, completed: count }),
    overall: conversionLiftSchema.nullable(),
    by_segment: z.array(conversionLiftSchema.extend({ segment: z.string() })),
    /** A tour's users per step (0-based): shown the step, went past it (next or done), skipped the tour there. Empty for other kinds. */
    steps: z.array(z.object({ index: count, shown: count, advanced: count, dismissed: count })).openapi({
      example: [
        { index: 0, shown: 120, advanced: 90, dismissed: 20 },
        { index: 1, shown: 88, advanced: 70, dismissed: 9 },
      ],
    }),
  })
  .openapi('NudgePerformance')

export const missingAnchorSchema = z
  .object({ nudge_key: z.string(), path: z.string(), selector: z.string(), reports: count, last_reported_at: z.iso.datetime() })
  .openapi('MissingAnchor', {
    example: {
      nudge_key: 'export-tip',
      path: '/reports',
      selector: '#export-csv',
      reports: 3,
      last_reported_at: '2026-06-01T09:30:00.000Z',
    },
  })
export const missingAnchorListSchema = z.object({ missing_anchors: z.array(missingAnchorSchema) }).openapi('MissingAnchors')

/** GET /v1/nudges query: the widget's camelCase wire. */
export const nudgeDecisionQueryShape = {
  writeKey: z.string().max(200).openapi({ description: "The project's public write key", example: 'wk_demo' }),
  userId: z.string().min(1).max(200).openapi({ example: 'u_nina' }),
  path: z.string().max(2000).default('/').openapi({ description: 'The page path, for path targeting' }),
  session: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'The widget session: nudges already shown in it may stay without counting again' }),
  locale: z.string().max(35).default('default').openapi({ example: 'fr-CA' }),
  userHash: z.string().max(128).optional().openapi({
    description: "hex(HMAC-SHA256(identity secret, userId)) from the vendor's backend; required when the project turns verification on",
  }),
}

/** A nudge as the widget receives it: text already resolved to the user's locale, checklist steps ticked. */
export const dueNudgeSchema = z
  .object({
    key: z.string(),
    kind: nudgeKindSchema,
    anchor: z.string().optional(),
    placement: z.enum(['auto', 'above', 'below']).optional(),
    /** Shown only when this selector matches an element on the page. */
    requires: z.string().optional(),
    title: z.string(),
    body: z.string(),
    buttons: z.array(z.object({ label: z.string(), action: buttonActionSchema })),
    steps: z.array(z.object({ feature: z.string(), label: z.string(), done: z.boolean() })).optional(),
  })
  .openapi('DueNudge', {
    example: {
      key: 'export-tip',
      kind: 'tooltip',
      anchor: '#export-csv',
      title: 'Export to your accountant',
      body: 'One click gives a **CSV** of every invoice.',
      buttons: [{ label: 'Later', action: { type: 'snooze', days: 3 } }],
    },
  })

const dueButton = z.object({ label: z.string(), action: buttonActionSchema })

/** A tour as the widget receives it: text resolved to the user's locale, and the step the user is at (server-kept). */
export const dueTourSchema = z
  .object({
    key: z.string(),
    title: z.string(),
    /** The step to show (0-based): where the user left the tour, on this or another device. */
    step: z.number().int().min(0),
    steps: z.array(
      z.object({
        anchor: z.string().optional(),
        path: z.string().optional(),
        placement: z.enum(['auto', 'above', 'below']),
        title: z.string(),
        body: z.string(),
        buttons: z.array(dueButton),
      }),
    ),
  })
  .openapi('DueTour')

/** A guide the launcher lists: a tour or checklist this user may start, resume or restart, with their progress. */
export const guideSchema = z
  .object({
    key: z.string(),
    kind: z.enum(['tour', 'checklist']),
    title: z.string(),
    status: z.enum(['new', 'active', 'dismissed', 'completed']),
    /** Steps passed (tour) or items done (checklist), of `total`. */
    done: z.number().int().min(0),
    total: z.number().int().min(0),
    tour: dueTourSchema.optional(),
    items: z.array(z.object({ label: z.string(), done: z.boolean() })).optional(),
  })
  .openapi('Guide')

export const dueNudgesSchema = z
  .object({
    nudges: z.array(dueNudgeSchema),
    /** Tours due now (rendered by the lazily loaded tours chunk, not the nudge chunk). */
    tours: z.array(dueTourSchema).optional(),
    /** The help launcher, only when the project turns it on and this user has a guide to list. */
    launcher: z.object({ position: z.enum(['bottom-right', 'bottom-left']), label: z.string(), guides: z.array(guideSchema) }).optional(),
    /** The project's theme for the widget (camelCase keys): accent, bg, fg, radius, font, bgDark, fgDark. */
    theme: z.record(z.string(), z.string()).optional(),
  })
  .openapi('DueNudges')
