import { DAY_MS, dayOf } from '../lib/days'

/**
 * The hot `events` table (system events the hot path reads: `$nudge_*`, widget errors) keeps this many days;
 * rollups are kept for good (docs/scoring.md §1, D1 size cap). Every raw event is in the R2 archive, whose
 * own retention is the bucket's lifecycle rule (README: Raw event archive). `/v1/import` accepts from here on.
 */
export const RAW_RETENTION_DAYS = 90

/** Hot events dated before this instant (the start of a UTC day) are purged; `/v1/import` accepts from it on. */
export function rawWindowStart(now: number): number {
  return Date.parse(dayOf(now - RAW_RETENTION_DAYS * DAY_MS))
}

/**
 * Exact dedupe window: a dedupe key (`event_ids`, project + messageId) is kept this many days after the UTC
 * day it was first received, so a retry arriving within DEDUPE_DAYS of the first receipt counts nothing
 * (the issue asks for at least 7). Later, a retry counts again if its event time is still accepted.
 */
export const DEDUPE_DAYS = 8

/**
 * How far back the public write key may date an event. Longer than DEDUPE_DAYS: a client retrying an event
 * between 8 and 30 days after first sending it is counted twice (README: Event time). Shorter than the raw
 * window, so a retry of an event whose hot row was purged is always too old to count again.
 */
export const LIVE_EVENT_MAX_AGE_DAYS = 30
