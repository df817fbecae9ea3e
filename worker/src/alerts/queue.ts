/** Alerts worked as a queue: effective status, owner and the recommended order. Pure. */
import type { AlertStatus } from '../../../shared/constants'
import { DAY_MS, dayOf, daysBetween } from '../lib/days'

export type { AlertStatus }

/** What the recommended order weighs: the account's health, ARR and renewal date. */
export interface PriorityInput {
  /** Health 0-100, null when not scored (counts as middling). */
  score: number | null
  arr: number | null
  /** Days until renewal (negative: passed), null when unknown. */
  renewalInDays: number | null
}

/** ARR at which the ARR part of the priority is full (log scale below it). */
export const FULL_ARR = 1_000_000
/** Renewals further away than this add nothing. */
export const RENEWAL_HORIZON_DAYS = 180
const WEIGHTS = { health: 50, arr: 30, renewal: 20 }

const clamp01 = (x: number) => Math.min(1, Math.max(0, x))

/**
 * Priority 0-100, higher first: lower health, higher ARR (log scale: 10k → 100k matters as much as 100k → 1M)
 * and a nearer renewal each raise it, and none ever lowers it. With the reasons worth saying.
 */
export function alertPriority(x: PriorityInput): { priority: number; reasons: string[] } {
  const score = x.score === null || !Number.isFinite(x.score) ? null : Math.min(100, Math.max(0, x.score))
  const health = score === null ? 0.5 : 1 - score / 100
  const arr = x.arr !== null && Number.isFinite(x.arr) && x.arr > 0 ? clamp01(Math.log10(1 + x.arr) / Math.log10(1 + FULL_ARR)) : 0
  const days = x.renewalInDays
  const renewal = days !== null && Number.isFinite(days) && days >= 0 ? clamp01(1 - days / RENEWAL_HORIZON_DAYS) : 0
  const priority = Math.round((WEIGHTS.health * health + WEIGHTS.arr * arr + WEIGHTS.renewal * renewal) * 10) / 10
  const reasons: string[] = []
  if (score === null) reasons.push('no health score yet')
  else if (score < 70) reasons.push(`health ${Math.round(score)}`)
  if (x.arr !== null && x.arr >= 50_000) reasons.push(`ARR ${formatArr(x.arr)}`)
  if (days !== null && days >= 0 && days <= RENEWAL_HORIZON_DAYS) reasons.push(days === 0 ? 'renews today' : `renews in ${days} days`)
  return { priority, reasons }
}

const formatArr = (arr: number) => (arr >= 1_000_000 ? `${Math.round(arr / 100_000) / 10}M` : `${Math.round(arr / 1000)}k`)

/** Days from the day of `now` to a renewal day, or null. */
export const renewalInDays = (renewalDate: string | null, now: number): number | null =>
  renewalDate === null ? null : daysBetween(dayOf(now), renewalDate)

/** The stored queue state of an alert. */
export interface QueueState {
  status: AlertStatus
  snoozedUntil: number | null
}

/** A snoozed alert whose time has come is open again (no job has to wake it). */
export const effectiveStatus = (a: QueueState, now: number): AlertStatus =>
  a.status === 'snoozed' && (a.snoozedUntil === null || a.snoozedUntil <= now) ? 'open' : a.status

/** The owner of an alert: its assignee, else the account's `owner`. */
export const effectiveOwner = (assigned: string | null, accountOwner: string | null): string | null => assigned ?? accountOwner

/** Whether an owner string names this member (by id, or by email in any case). */
export const ownerIs = (owner: string | null, member: { id: string; email: string }): boolean =>
  owner !== null && (owner === member.id || owner.toLowerCase() === member.email.toLowerCase())

/** A change asked of an alert, checked against its state: the new state, or why it cannot be. */
export interface QueueChange {
  status?: AlertStatus
  snoozedUntil?: number | null
}

/** Longest snooze: a year. */
export const MAX_SNOOZE_MS = 366 * DAY_MS

export function applyQueueChange(
  current: QueueState & { doneAt: number | null },
  change: QueueChange,
  now: number,
): { status: AlertStatus; snoozedUntil: number | null; doneAt: number | null } | { problem: string } {
  const until = change.snoozedUntil
  let status = change.status ?? (until ? 'snoozed' : until === null && current.status === 'snoozed' ? 'open' : current.status)
  if (status === 'snoozed') {
    const at = until ?? null
    if (at === null) return { problem: 'snoozing needs snoozed_until, a time in the future' }
    if (at <= now) return { problem: 'snoozed_until must be in the future' }
    if (at > now + MAX_SNOOZE_MS) return { problem: 'snoozed_until must be within a year' }
    return { status, snoozedUntil: at, doneAt: null }
  }
  if (until) return { problem: `snoozed_until goes with status snoozed, not ${status}` }
  status = status === 'done' ? 'done' : 'open'
  return { status, snoozedUntil: null, doneAt: status === 'done' ? (current.status === 'done' ? current.doneAt : now) : null }
}

/** Whose alerts to list: nobody's, a member's (by id or email), or an owner string naming no member. */
export type OwnerMatch = { none: true } | { member: { id: string; email: string } } | { text: string }

const ownerMatches = (owner: string | null, m: OwnerMatch): boolean =>
  'none' in m ? owner === null : 'member' in m ? ownerIs(owner, m.member) : owner !== null && owner.toLowerCase() === m.text.toLowerCase()

/** The fields of a stored alert the queue reads. */
export interface QueueAlert extends QueueState {
  id: number
  accountId: string
  createdAt: number
  /** The assignee, if one was set. */
  owner: string | null
}

/** The fields of an account card the queue reads. */
export interface QueueAccount {
  score: number | null
  arr: number | null
  renewalDate: string | null
  owner: string | null
}

export interface RankedAlert<A> {
  alert: A
  status: AlertStatus
  owner: string | null
  priority: number
  reasons: string[]
}

/**
 * The queue: each alert with its effective status and owner and its priority, filtered by owner, in the
 * recommended order (priority, then newest) or newest first, at most `limit`.
 */
export function rankQueue<A extends QueueAlert>(
  alerts: readonly A[],
  accounts: ReadonlyMap<string, QueueAccount>,
  opts: { owner: OwnerMatch | null; order: 'recommended' | 'newest'; limit: number; now: number },
): RankedAlert<A>[] {
  const ranked = alerts.flatMap((alert) => {
    const account = accounts.get(alert.accountId) ?? null
    const owner = effectiveOwner(alert.owner, account?.owner ?? null)
    if (opts.owner && !ownerMatches(owner, opts.owner)) return []
    const { priority, reasons } = alertPriority({
      score: account?.score ?? null,
      arr: account?.arr ?? null,
      renewalInDays: renewalInDays(account?.renewalDate ?? null, opts.now),
    })
    return [{ alert, status: effectiveStatus(alert, opts.now), owner, priority, reasons }]
  })
  const newest = (a: RankedAlert<A>, b: RankedAlert<A>) => b.alert.createdAt - a.alert.createdAt || b.alert.id - a.alert.id
  ranked.sort(opts.order === 'recommended' ? (a, b) => b.priority - a.priority || newest(a, b) : newest)
  return ranked.slice(0, opts.limit)
}
