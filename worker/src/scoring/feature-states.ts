import { ADOPTION } from '../../../shared/constants'
import { daysBetween } from '../lib/days'

export type FeatureState = 'never_tried' | 'tried' | 'adopted' | 'lapsed'

/** One feature's use by one account, as the store reads it. */
export interface FeatureUse {
  key: string
  name: string
  core: boolean
  /** First and last day the account used it (null: never). */
  firstDay: string | null
  lastDay: string | null
  uses: number
  /** Distinct days and users with a use in the adoption window. */
  daysInWindow: number
  usersInWindow: number
}

/** Never tried, tried, adopted (used on ≥ ADOPTION.minDays days in the last ADOPTION.windowDays) or lapsed (used, not lately). */
export function featureState(firstDay: string | null, daysInWindow: number): FeatureState {
  if (!firstDay) return 'never_tried'
  if (daysInWindow >= ADOPTION.minDays) return 'adopted'
  return daysInWindow > 0 ? 'tried' : 'lapsed'
}

export interface AccountFeatureState {
  key: string
  name: string
  core: boolean
  state: FeatureState
  uses: number
  usersInWindow: number
  firstUsed: string | null
  lastUsed: string | null
  /** Days from the account's first day to its first use of the feature. */
  daysToFirstUse: number | null
}

/** Each feature's state for an account first seen on `accountFirstDay` (null: unknown account). Pure. */
export const accountFeatureStates = (uses: FeatureUse[], accountFirstDay: string | null): AccountFeatureState[] =>
  uses.map((u) => ({
    key: u.key,
    name: u.name,
    core: u.core,
    state: featureState(u.firstDay, u.daysInWindow),
    uses: u.uses,
    usersInWindow: u.usersInWindow,
    firstUsed: u.firstDay,
    lastUsed: u.lastDay,
    daysToFirstUse: u.firstDay && accountFirstDay ? daysBetween(accountFirstDay, u.firstDay) : null,
  }))
