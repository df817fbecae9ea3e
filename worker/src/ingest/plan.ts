import { MAX_STORED_TRAITS_BYTES, utf8Length } from '../../../shared/limits'
import type { EventRow } from './normalize'

export interface UserUpsert {
  id: string
  accountId: string | null
  traits: Record<string, unknown>
  firstSeen: number
  lastSeen: number
}

export interface AccountUpsert {
  id: string
  name: string | null
  traits: Record<string, unknown>
  firstSeen: number
  lastSeen: number
}

export interface IngestPlan {
  users: UserUpsert[]
  accounts: AccountUpsert[]
  rows: EventRow[]
}

/** Later traits win; when the merged set would pass the stored bound, the newest call's traits replace it. */
export function mergeTraits(into: Record<string, unknown>, traits: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...into, ...traits }
  return utf8Length(JSON.stringify(merged)) > MAX_STORED_TRAITS_BYTES ? { ...traits } : merged
}

/**
 * Folds a batch into one upsert per user and per account (fewer D1 row writes than one per event),
 * applying identify/group traits in timestamp order so the latest call wins.
 */
export function planIngest(rows: EventRow[]): IngestPlan {
  const sorted = [...rows].sort((a, b) => a.ts - b.ts)
  const users = new Map<string, UserUpsert>()
  const accounts = new Map<string, AccountUpsert>()
  for (const row of sorted) {
    if (row.accountId) {
      const account = accounts.get(row.accountId) ?? { id: row.accountId, name: null, traits: {}, firstSeen: row.ts, lastSeen: row.ts }
      account.lastSeen = Math.max(account.lastSeen, row.ts)
      if (row.type === 'group') {
        const traits = (row.properties.traits ?? {}) as Record<string, unknown>
        account.traits = mergeTraits(account.traits, traits)
        if (typeof traits.name === 'string') account.name = traits.name.slice(0, 200)
      }
      accounts.set(account.id, account)
    }
    if (!row.userId) continue
    const user = users.get(row.userId) ?? { id: row.userId, accountId: null, traits: {}, firstSeen: row.ts, lastSeen: row.ts }
    user.lastSeen = Math.max(user.lastSeen, row.ts)
    if (row.accountId) user.accountId = row.accountId
    if (row.type === 'identify') user.traits = mergeTraits(user.traits, (row.properties.traits ?? {}) as Record<string, unknown>)
    users.set(user.id, user)
  }
  return { users: [...users.values()], accounts: [...accounts.values()], rows }
}
