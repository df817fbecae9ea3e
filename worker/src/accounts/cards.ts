/** An account as other views summarise it (alerts, notes): name, health, and the admin-owned ARR, renewal and owner. Pure. */
import type { Band } from '../../../shared/constants'

export interface AccountCard {
  id: string
  name: string | null
  score: number | null
  band: Band | null
  arr: number | null
  renewalDate: string | null
  /** The `owner` attribute: a member's email or id, as the admin set it. */
  owner: string | null
}

const DAY = /^\d{4}-\d{2}-\d{2}/

/** The card of an account from its stored admin attributes (a value of the wrong type reads as missing). */
export function accountCard(
  row: { id: string; name: string | null; score: number | null; band: Band | null },
  attributes: Record<string, unknown>,
): AccountCard {
  const own = (k: string) => (Object.hasOwn(attributes, k) ? attributes[k] : undefined)
  const arr = own('arr')
  const renewal = own('renewal_date')
  const owner = own('owner')
  return {
    id: row.id,
    name: row.name,
    score: row.score,
    band: row.band,
    arr: typeof arr === 'number' && Number.isFinite(arr) ? arr : null,
    renewalDate:
      typeof renewal === 'string' && DAY.test(renewal) && !Number.isNaN(Date.parse(renewal.slice(0, 10))) ? renewal.slice(0, 10) : null,
    owner: typeof owner === 'string' && owner.trim() && owner.length <= 320 ? owner.trim() : null,
  }
}
