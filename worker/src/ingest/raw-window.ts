import { DAY_MS, dayOf } from '../lib/days'

/** Raw events are kept this long; rollups are kept for good (docs/scoring.md §1, D1 size cap). */
export const RAW_RETENTION_DAYS = 90

/** Raw events dated before this instant (the start of a UTC day) are purged; `/v1/import` accepts from it on. */
export function rawWindowStart(now: number): number {
  return Date.parse(dayOf(now - RAW_RETENTION_DAYS * DAY_MS))
}

/**
 * How far back the public write key may date an event. Shorter than the raw window, so a retry of an
 * event whose raw row (and so its messageId) has been purged is always too old to count again.
 */
export const LIVE_EVENT_MAX_AGE_DAYS = 30

/** Exact dedupe on messageId covers this many days from an event's first receipt (event_ids, purged daily). */
export const DEDUPE_DAYS = 8
