import type { EventKind } from '../../../shared/constants'
import { ENGAGED_EVENT, type UptakeEvent } from '../../../shared/events'
import { DAY_MS } from '../lib/days'
import { finiteNumber } from '../lib/numbers'

/** The row stored in `events`, before the account is filled from the user's last `group` call. */
export interface EventRow {
  messageId: string
  type: UptakeEvent['type']
  kind: EventKind
  name: string | null
  userId: string | null
  anonymousId: string | null
  accountId: string | null
  featureKey: string | null
  amount: number | null
  meaningful: boolean
  activeSeconds: number
  appVersion: string | null
  ts: number
  properties: Record<string, unknown>
  context: Record<string, unknown>
}

const MAX_ENGAGED_SECONDS = 3600

type Timed = { timestamp?: string; originalTimestamp?: string; sentAt?: string }

/**
 * Event time corrected for the sender's clock, as Segment does:
 * timestamp = receivedAt - (sentAt - originalTimestamp). Not yet checked against the accepted window.
 */
export function skewCorrectedTime(event: Timed, envelopeSentAt: string | undefined, receivedAt: number): number {
  const original = Date.parse(event.timestamp ?? event.originalTimestamp ?? '')
  if (Number.isNaN(original)) return receivedAt
  const sentAt = Date.parse(event.sentAt ?? envelopeSentAt ?? '')
  return Number.isNaN(sentAt) ? original : receivedAt - (sentAt - original)
}

/** Skew-corrected time, never in the future (a clock still ahead after correction reads as now). */
export function correctedTimestamp(event: Timed, envelopeSentAt: string | undefined, receivedAt: number): number {
  return Math.min(skewCorrectedTime(event, envelopeSentAt, receivedAt), receivedAt)
}

/** The accepted event times around the receive time, after clock-skew correction (README: Event time). */
export interface TimeWindow {
  /** The oldest accepted time for an event received at `receivedAt`. */
  oldest: (receivedAt: number) => number
  label: string
}

/** Up to 1 day ahead is clock skew and is stored as the receive time; beyond, the event is refused. */
export const MAX_FUTURE_MS = DAY_MS

/** Where an event's time lands: the time to store, or why the event is outside the accepted window. */
export function eventTime(
  event: Timed,
  envelopeSentAt: string | undefined,
  receivedAt: number,
  window: TimeWindow,
): { ts: number } | { error: string } {
  const ts = skewCorrectedTime(event, envelopeSentAt, receivedAt)
  if (ts > receivedAt + MAX_FUTURE_MS) return { error: 'timestamp: more than 1 day in the future after clock-skew correction' }
  if (ts < window.oldest(receivedAt)) return { error: `timestamp: older than ${window.label} after clock-skew correction` }
  return { ts: Math.min(ts, receivedAt) }
}

/** What the features registry makes of a track event (features/ `trackTagger`): the columns it fills. */
export type TagTrack = (
  name: string,
  properties: Record<string, unknown>,
) => Pick<EventRow, 'kind' | 'featureKey' | 'amount' | 'meaningful'>

/** Turns one validated event into its stored row. Pure: ids, clocks and the registry's tagging come in as arguments. */
export function toEventRow(
  event: UptakeEvent,
  opts: { envelopeSentAt?: string; receivedAt: number; tagTrack: TagTrack; newId: () => string; ts?: number },
): EventRow {
  const context = (event.context ?? {}) as Record<string, unknown> & { app?: { version?: string }; groupId?: string }
  // identify/group keep their traits under `traits` so one column holds every event's payload
  const properties: Record<string, unknown> =
    'properties' in event ? (event.properties ?? {}) : 'traits' in event ? { traits: event.traits ?? {} } : {}
  const base = {
    messageId: event.messageId ?? opts.newId(),
    type: event.type,
    userId: event.userId ?? null,
    anonymousId: event.anonymousId ?? null,
    accountId: event.type === 'group' ? event.groupId : (context.groupId ?? null),
    appVersion: context.app?.version ?? null,
    ts: opts.ts ?? correctedTimestamp(event, opts.envelopeSentAt, opts.receivedAt),
    context,
    properties,
  }
  if (event.type === 'alias') {
    return {
      ...base,
      properties: { previousId: event.previousId },
      kind: 'system',
      name: '$alias',
      featureKey: null,
      amount: null,
      meaningful: false,
      activeSeconds: 0,
    }
  }
  if (event.type !== 'track') {
    const name = event.type === 'page' || event.type === 'screen' ? (event.name ?? '$page') : null
    return {
      ...base,
      kind: event.type === 'screen' ? 'page' : event.type,
      name,
      featureKey: null,
      amount: null,
      meaningful: false,
      activeSeconds: 0,
    }
  }
  const engaged = event.event === ENGAGED_EVENT ? finiteNumber(properties.seconds) : null
  return {
    ...base,
    ...opts.tagTrack(event.event, properties),
    name: event.event,
    activeSeconds: engaged === null ? 0 : Math.round(Math.min(Math.max(engaged, 0), MAX_ENGAGED_SECONDS)),
  }
}
