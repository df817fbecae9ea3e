import type { ArchivedEvent } from '../../../shared/archive'
import { dayOf } from '../lib/days'

/** The fields of an archived raw event that erasure matches and un-counts on. */
export type ArchivedLine = Pick<
  ArchivedEvent,
  | 'message_id'
  | 'type'
  | 'kind'
  | 'name'
  | 'user_id'
  | 'anonymous_id'
  | 'account_id'
  | 'feature_key'
  | 'amount'
  | 'meaningful'
  | 'active_seconds'
  | 'ts'
>

/** Whose lines an erasure removes: users entirely (with their anonymous ids), and for an account, anything done in it. */
export interface ErasureTarget {
  userIds: ReadonlySet<string>
  accountId: string | null
}

export interface LineSplit<T> {
  kept: T[]
  removed: T[]
  /** Anonymous ids of the target users first seen in these lines (their anonymous lines before sign-in go too). */
  newAnonymousIds: string[]
}

/**
 * Splits one archive object's lines: a target user's lines, anonymous lines sharing an anonymous id with a
 * target user (known before, or seen in this object), and for an account every line sent inside it. Pure.
 */
export function splitLines<T extends ArchivedLine>(lines: T[], target: ErasureTarget, anonymousIds: ReadonlySet<string>): LineSplit<T> {
  const anon = new Set(anonymousIds)
  const newAnonymousIds: string[] = []
  for (const l of lines) {
    if (l.user_id !== null && target.userIds.has(l.user_id) && l.anonymous_id !== null && !anon.has(l.anonymous_id)) {
      anon.add(l.anonymous_id)
      newAnonymousIds.push(l.anonymous_id)
    }
  }
  const kept: T[] = []
  const removed: T[] = []
  for (const l of lines) {
    const erase =
      (l.user_id !== null && target.userIds.has(l.user_id)) ||
      (target.accountId !== null && l.account_id === target.accountId) ||
      (l.user_id === null && l.anonymous_id !== null && anon.has(l.anonymous_id))
    ;(erase ? removed : kept).push(l)
  }
  return { kept, removed, newAnonymousIds }
}

/** What removed lines had added to the day rollups of one user (ingest's rollup SQL, per line). */
export interface RollupDecrements {
  /** [user, day, events, meaningful, logins, value events, value amount, active seconds] */
  userDays: [string, string, number, number, number, number, number, number][]
  /** [user, name, day, n, amount] */
  eventDays: [string, string, string, number, number][]
  /** [user, feature key, day, n, amount] */
  featureDays: [string, string, string, number, number][]
}

/**
 * The rollup counts that removed lines of users who stay (someone who left the erased account) contributed, summed
 * per rollup key, so they are subtracted rather than rebuilt from raw rows D1 no longer holds. Pure.
 */
export function rollupDecrements(lines: ArchivedLine[], keep: (userId: string) => boolean): RollupDecrements {
  const users = new Map<string, RollupDecrements['userDays'][number]>()
  const events = new Map<string, RollupDecrements['eventDays'][number]>()
  const features = new Map<string, RollupDecrements['featureDays'][number]>()
  for (const l of lines) {
    if (l.user_id === null || !keep(l.user_id)) continue
    const day = dayOf(l.ts)
    const amount = l.amount ?? 0
    const u = users.get(`${l.user_id}\u0000${day}`) ?? [l.user_id, day, 0, 0, 0, 0, 0, 0]
    u[2] += 1
    u[3] += l.meaningful ? 1 : 0
    u[4] += l.kind === 'login' ? 1 : 0
    u[5] += l.kind === 'value' ? 1 : 0
    u[6] += l.kind === 'value' ? amount : 0
    u[7] += l.active_seconds
    users.set(`${l.user_id}\u0000${day}`, u)
    if (l.name !== null && (l.type === 'track' || l.type === 'page' || l.type === 'screen')) {
      const k = `${l.user_id}\u0000${l.name}\u0000${day}`
      const e = events.get(k) ?? [l.user_id, l.name, day, 0, 0]
      e[3] += 1
      e[4] += amount
      events.set(k, e)
    }
    if (l.feature_key !== null) {
      const k = `${l.user_id}\u0000${l.feature_key}\u0000${day}`
      const f = features.get(k) ?? [l.user_id, l.feature_key, day, 0, 0]
      f[3] += 1
      f[4] += amount
      features.set(k, f)
    }
  }
  return { userDays: [...users.values()], eventDays: [...events.values()], featureDays: [...features.values()] }
}
