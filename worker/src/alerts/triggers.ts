import type { Band } from '../scoring'
import type { FiredRule } from '../scoring'

/** CS playbook triggers (docs/scoring.md §15): edge-triggered, each de-duplicated by a cooldown per account and kind. */
export type AlertKind = 'band_changed' | 'score_drop' | 'persistent_red' | 'indicator_fired' | 'opportunity' | 'renewal_risk'

export interface AlertInput {
  accountId: string
  score: number | null
  previousScore: number | null
  band: Band
  previousBand: Band | null
  delta7: number | null
  delta30: number | null
  /** Consecutive daily runs in red, today included. */
  redDays: number
  renewalInDays: number | null
  flags: FiredRule[]
  previousFlagKeys: Set<string>
}

export interface Alert {
  kind: AlertKind
  accountId: string
  reason: string
  payload: Record<string, unknown>
}

export const PERSISTENT_RED_DAYS = 14

/** The alerts an account's new score raises, before cooldowns. Pure. */
export function accountAlerts(x: AlertInput): Alert[] {
  const base = { account_id: x.accountId, score: x.score, previous_score: x.previousScore, band: x.band, previous_band: x.previousBand, delta7: x.delta7, delta30: x.delta30 }
  const out: Alert[] = []
  const add = (kind: AlertKind, reason: string, extra: Record<string, unknown> = {}) => out.push({ kind, accountId: x.accountId, reason, payload: { ...base, kind, reason, ...extra } })
  const known = (b: Band | null) => b !== null && b !== 'insufficient_data'
  if (known(x.previousBand) && known(x.band) && x.previousBand !== x.band) add('band_changed', `band ${x.previousBand} → ${x.band}`)
  if ((x.delta30 !== null && x.delta30 <= -15) || (x.delta7 !== null && x.delta7 <= -10)) {
    add('score_drop', x.delta7 !== null && x.delta7 <= -10 ? `score down ${-x.delta7} points in 7 days` : `score down ${-(x.delta30 ?? 0)} points in 30 days`)
  }
  if (x.band === 'red' && x.redDays === PERSISTENT_RED_DAYS) add('persistent_red', `red for ${PERSISTENT_RED_DAYS} days in a row`)
  for (const f of x.flags) {
    if (x.previousFlagKeys.has(f.key)) continue
    add(f.kind === 'risk' ? 'indicator_fired' : 'opportunity', f.name, { rule: f.key, values: f.values })
  }
  if (x.renewalInDays !== null && x.renewalInDays >= 0 && x.renewalInDays <= 90 && x.band !== 'green' && known(x.band)) {
    add('renewal_risk', `renewal in ${x.renewalInDays} days and ${x.band}`)
  }
  return out
}

/** Drops alerts of a kind already raised for the account within the cooldown. */
export function afterCooldown(alerts: Alert[], lastRaised: Map<string, number>, now: number, cooldownDays = 7): Alert[] {
  return alerts.filter((a) => {
    const last = lastRaised.get(alertKey(a))
    return last === undefined || now - last >= cooldownDays * 86_400_000
  })
}

export const alertKey = (a: { accountId: string; kind: string; payload: Record<string, unknown> }) =>
  a.kind === 'indicator_fired' || a.kind === 'opportunity' ? `${a.accountId}:${a.kind}:${a.payload.rule}` : `${a.accountId}:${a.kind}`
