/** Event names of nudge interactions: they travel through the normal ingest path. Plain constants (no zod). */
import type { z } from 'zod'
import type { dueNudgeSchema, dueNudgesSchema, dueTourSchema, guideSchema } from './api/nudges'
import type { buttonActionSchema, nudgeKindSchema } from './nudges'

export const NUDGE_EVENTS = {
  shown: '$nudge_shown',
  clicked: '$nudge_clicked',
  dismissed: '$nudge_dismissed',
  snoozed: '$nudge_snoozed',
  completed: '$nudge_completed',
  answered: '$nudge_answered',
  anchorMissing: '$nudge_anchor_missing',
  /** Tour steps (property `step`, 0-based): next, back, and a restart from the launcher. */
  advanced: '$nudge_advanced',
  wentBack: '$nudge_went_back',
  restarted: '$nudge_restarted',
} as const
export type NudgeAction = keyof typeof NUDGE_EVENTS

// Types only (erased from the widget's bundle): the shapes are the zod schemas of the nudge contract.
export type NudgeKind = z.output<typeof nudgeKindSchema>
export type ButtonAction = z.output<typeof buttonActionSchema>
/** A nudge as the widget receives it from GET /v1/nudges: text already resolved to the user's locale. */
export type DueNudge = z.output<typeof dueNudgeSchema>
export type NudgesResponse = z.output<typeof dueNudgesSchema>
export type DueTour = z.output<typeof dueTourSchema>
export type Guide = z.output<typeof guideSchema>
