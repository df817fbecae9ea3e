/**
 * Named product constants shared by the worker, the widget and the console: plain data, no zod, so any
 * bundle can import them. Each one is defined here once and read everywhere else.
 */

/** Health bands, worst first; `insufficient_data` when too little of the model's weight has data (docs/scoring.md §5). */
export const BANDS = ['red', 'yellow', 'green', 'insufficient_data'] as const
export type Band = (typeof BANDS)[number]

/** Renewal outcomes an admin records for an account. */
export const OUTCOME_KINDS = ['renewed', 'churned', 'expanded', 'contracted'] as const
export type OutcomeKind = (typeof OUTCOME_KINDS)[number]

/**
 * CS alerts the daily run raises (docs/scoring.md §15), one list for the triggers, the `kind` filter, the API schema
 * and the `account_alerts.kind` CHECK of migrations/0006_alerts.sql (a test holds them equal).
 */
export const ALERT_KINDS = ['band_changed', 'score_drop', 'persistent_red', 'indicator_fired', 'opportunity', 'renewal_risk'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]
/** An alert in the CS queue: open, snoozed until a time (then open again), or done (the CHECK in migrations/0011). */
export const ALERT_STATUSES = ['open', 'snoozed', 'done'] as const
export type AlertStatus = (typeof ALERT_STATUSES)[number]

/** Outcomes that kept the customer (a contraction still renewed): the "retained" side of retained-vs-churned. */
export const RETAINED_OUTCOMES: readonly OutcomeKind[] = ['renewed', 'expanded', 'contracted']

/** A feature is adopted by an account when it was used on at least `minDays` distinct days in the last `windowDays`. */
export const ADOPTION = { minDays: 3, windowDays: 30 } as const

/**
 * When an account is at churn risk (docs/scoring.md §10), beside a red band and a critical risk rule: its score fell by at
 * least `scoreDrop30` points in 30 days, or its renewal is at most `renewalWithinDays` away and it is not green.
 */
export const CHURN_RISK = { scoreDrop30: 15, renewalWithinDays: 90 } as const

/**
 * Capture settings a project starts with, as the widget reads them (camelCase): the server's settings defaults
 * and the widget's fallback when it cannot fetch its config. Shared, so never mutated.
 */
export const DEFAULT_CAPTURE: {
  sessionTimeoutMinutes: number
  stripQueryParams: string[]
  respectDoNotTrack: boolean
  requireConsent: boolean
  captureClicks: boolean
} = {
  sessionTimeoutMinutes: 30,
  stripQueryParams: ['token', 'access_token', 'code', 'password', 'email', 'key', 'secret', 'session', 'auth'],
  respectDoNotTrack: false,
  requireConsent: false,
  captureClicks: true,
}

/** What a stored event is (`events.kind`): its Segment type, or what the features registry makes of a track event. */
export const EVENT_KINDS = ['identify', 'group', 'page', 'track', 'login', 'feature', 'value', 'click', 'system'] as const
export type EventKind = (typeof EVENT_KINDS)[number]
