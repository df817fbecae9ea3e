/** Event names of nudge interactions: they travel through the normal ingest path. Plain constants (no zod). */
export const NUDGE_EVENTS = {
  shown: '$nudge_shown',
  clicked: '$nudge_clicked',
  dismissed: '$nudge_dismissed',
  snoozed: '$nudge_snoozed',
  completed: '$nudge_completed',
  answered: '$nudge_answered',
  anchorMissing: '$nudge_anchor_missing',
} as const
export type NudgeAction = keyof typeof NUDGE_EVENTS

export type NudgeKind = 'tooltip' | 'hotspot' | 'banner' | 'modal' | 'checklist' | 'nps'

export type ButtonAction = { type: 'go'; path: string } | { type: 'dismiss' } | { type: 'snooze'; days: number } | { type: 'complete' }

/** A nudge as the widget receives it from GET /v1/nudges: text already resolved to the user's locale. */
export interface DueNudge {
  key: string
  kind: NudgeKind
  anchor?: string
  /** Shown only when this selector matches an element on the page. */
  requires?: string
  title: string
  body: string
  buttons: { label: string; action: ButtonAction }[]
  steps?: { feature: string; label: string; done: boolean }[]
}

export interface NudgesResponse {
  nudges: DueNudge[]
  /** The project's theme: accent, bg, fg, radius, font, bgDark, fgDark. */
  theme?: Record<string, string>
}
