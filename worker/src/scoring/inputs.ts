import type { Band } from '../../../shared/constants'
import type { Attributes } from './attributes'

/**
 * What scoring reads of a project, as of one day: accounts, users and their rollups (all windows end on that day,
 * UTC). The store (inputs-store.ts) fills it from D1; the model (project.ts) is pure over it. Pure types.
 */
/** Daily account rollups are loaded this many days back; a rule window from an account's start must begin inside them. */
export const LOAD_DAYS = 180

export interface ScoringInputs {
  accounts: AccountInput[]
  users: UserInput[]
  /** Per user who was active in the last 60 days. */
  userActivity: UserActivity[]
  /** Which features each user used in the last 30 days. */
  userFeatures30: UserFeatureUse[]
  accountDays: AccountDay[]
  accountFeatureDays: AccountFeatureDay[]
  /** Only for the events the project's rules count. */
  accountEventDays: AccountEventDay[]
  /** App versions each account used in 30 days, with the last day of each. */
  versions: AccountVersion[]
  /** The latest stored score of each account (its band state and flags before this run). */
  previous: PreviousScore[]
  /** Daily snapshots of the 30 days before the scoring day. */
  history: ScoreSnapshot[]
  /** D1 rows read to load this, as D1 bills them. */
  rowsRead: number
}

export interface AccountInput {
  id: string
  name: string | null
  /** As clients sent them (the write key): protected names are ignored by scoring. */
  traits: Attributes
  /** Admin-owned (PATCH, secret-key backends, server aggregates). */
  attributes: Attributes
  firstSeen: number
  lastSeen: number
}

export interface UserInput {
  id: string
  accountId: string | null
  firstSeen: number
}

/** One user's activity from daily rollups; an active day is a day with a meaningful event. */
export interface UserActivity {
  userId: string
  activeDays7: number
  activeDays28: number
  activeDays30: number
  /** Active days in the 30 days before the last 30. */
  activeDaysPrev30: number
  lastActiveDay: string | null
  logins30: number
  activeSeconds30: number
  valueEvents30: number
  valueEventsPrev30: number
  valueAmount30: number
  valueAmountPrev30: number
}

export interface UserFeatureUse {
  userId: string
  featureKey: string
}

export interface AccountDay {
  accountId: string
  day: string
  logins: number
  valueEvents: number
  meaningful: number
}

export interface AccountFeatureDay {
  accountId: string
  featureKey: string
  day: string
  n: number
}

export interface AccountEventDay {
  accountId: string
  name: string
  day: string
  n: number
}

export interface AccountVersion {
  accountId: string
  appVersion: string
  lastDay: string
}

export interface PreviousScore {
  accountId: string
  score: number | null
  band: Band
  pendingBand: Band | null
  pendingSince: string | null
  /** Keys of the rules that fired on that run. */
  flagKeys: string[]
}

export interface ScoreSnapshot {
  accountId: string
  day: string
  score: number | null
  band: Band
}
