/** Wire types of the CS API as the console reads them: zod `z.infer` types from the contract, type-only (zero bytes). */
import type { z } from '@hono/zod-openapi'
import type { meSchema, memberSchema, memberKeySchema } from '../../shared/api/members'
import type { accountHealthSummarySchema } from '../../shared/api/scoring'
import type { alertSchema } from '../../shared/api/alerts'

export type Me = z.infer<typeof meSchema>
export type Member = z.infer<typeof memberSchema>
export type MemberKey = z.infer<typeof memberKeySchema>
export type Band = 'red' | 'yellow' | 'green' | 'insufficient_data'

/** Portfolio fields (API-R) on top of the ranking summary; optional until every server has them. */
export type PortfolioAccount = z.infer<typeof accountHealthSummarySchema> & {
  owner?: string | null
  arr?: number | null
  renewal_date?: string | null
  last_active?: string | null
  open_alerts?: number
  history_90d?: (number | null)[]
}

/** An alert worked as a queue item: status, owner, snooze, its account and recommended priority. */
export type QueueAlert = z.infer<typeof alertSchema>

export interface Mover {
  account_id: string
  name: string | null
  score: number | null
  previous_score: number | null
  delta: number
  band: Band
  previous_band: Band | null
  reason: string
}

export interface Renewal {
  account_id: string
  name: string | null
  renewal_date: string
  days_left: number
  arr: number | null
  score: number | null
  band: Band
  segment: string | null
  owner: string | null
  at_risk: boolean
}

export interface RenewalsReport {
  within_days: number
  items: Renewal[]
  by_segment: { segment: string | null; accounts: number; arr: number; arr_at_risk: number }[]
  totals: { accounts: number; arr: number; arr_at_risk: number }
}
