/** Wire types of the CS API as the console reads them: zod `z.infer` types from the contract, type-only (zero bytes). */
import type { z } from '@hono/zod-openapi'
import type { meSchema, memberSchema, memberKeySchema } from '../../shared/api/members'
import type { accountPortfolioItemSchema, scoreMoverSchema } from '../../shared/api/scoring'
import type { upcomingRenewalsSchema } from '../../shared/api/renewals'
import type { alertSchema } from '../../shared/api/alerts'

export type Me = z.infer<typeof meSchema>
export type Member = z.infer<typeof memberSchema>
export type MemberKey = z.infer<typeof memberKeySchema>
export type Band = 'red' | 'yellow' | 'green' | 'insufficient_data'

/** One account of the portfolio: the ranking summary with owner, ARR, renewal, last active, open alerts, sparkline. */
export type PortfolioAccount = z.infer<typeof accountPortfolioItemSchema>

/** An alert worked as a queue item: status, owner, snooze, its account and recommended priority. */
export type QueueAlert = z.infer<typeof alertSchema>

export type Mover = z.infer<typeof scoreMoverSchema>
export type RenewalsReport = z.infer<typeof upcomingRenewalsSchema>
