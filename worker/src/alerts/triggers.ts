import type { FiredRule } from '../../../shared/api/scoring'
import { CHURN_RISK, type AlertKind, type Band } from '../../../shared/constants'
import { DAY_MS } from '../lib/days'

/** CS playbook triggers (docs/scoring.md §15): edge-triggered, each de-duplicated by a cooldown per account and kind. */
export type { AlertKind }

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
/** A score drop worth an alert: this many points in 7 days, or the churn-risk drop in 30. */
const SCORE_DROP = { days7: 10, days30: CHURN_RISK.scoreDrop30 }

/** The alerts an account's new score raises, before cooldowns. Pure. */
export function accountAlerts(x: AlertInput): Alert[] {
  const base = {
    account_id: x.accountId,
    score: x.score,
    previous_score: x.previousScore,
    band: x.band,
    previous_band: x.previousBand,
    delta7: x.delta7,
    delta30: x.delta30,
  }
  const out: Alert[] = []
  const add = (kind: AlertKind, reason: string, extra: Record<string, unknown> = {}) =>
    out.push({ kind, accountId: x.accountId, reason, payload: { ...base, kind, reason, ...extra } })
  const known = (b: Band | null) => b !== null && b !== 'insufficient_data'
  if (known(x.previousBand) && known(x.band) && x.previousBand !== x.band) add('band_changed', `band ${x.previousBand} → ${x.band}`)
  const drop7 = x.delta7 !== null && x.delta7 <= -SCORE_DROP.days7
  if (drop7 || (x.delta30 !== null && x.delta30 <= -SCORE_DROP.days30)) {
    add('score_drop', drop7 ? `score down ${-x.delta7!} points in 7 days` : `score down ${-(x.delta30 ?? 0)} points in 30 days`)
  }
  if (x.band === 'red' && x.redDays === PERSISTENT_RED_DAYS) add('persistent_red', `red for ${PERSISTENT_RED_DAYS} days in a row`)
  for (const f of x.flags) {
    if (x.previousFlagKeys.has(f.key)) continue
    add(f.kind === 'risk' ? 'indicator_fired' : 'opportunity', f.name, { rule: f.key, values: f.values })
  }
  if (
    x.renewalInDays !== null &&
    x.renewalInDays >= 0 &&
    x.renewalInDays <= CHURN_RISK.renewalWithinDays &&
    x.band !== 'green' &&
    known(x.band)
  ) {
    add('renewal_risk', `renewal in ${x.renewalInDays} days and ${x.band}`)
  }
  return out
}

/** Drops alerts of a kind already raised for the account within the cooldown. */
export function afterCooldown(alerts: Alert[], lastRaised: Map<string, number>, now: number, cooldownDays = 7): Alert[] {
  return alerts.filter((a) => {
    const last = lastRaised.get(alertKey(a))
    return last === undefined || now - last >= cooldownDays * DAY_MS
  })
}

export const alertKey = (a: { accountId: string; kind: string; payload: Record<string, unknown> }) =>
  a.kind === 'indicator_fired' || a.kind === 'opportunity' ? `${a.accountId}:${a.kind}:${a.payload.rule}` : `${a.accountId}:${a.kind}`
