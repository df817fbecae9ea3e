import type { AccountMeasureKey, ScoringProfile } from '../../../shared/scoring'
import type { MeasureScore } from './explain'
import { anchorScore } from './normalise'

/** What scoring knows of one account, all from rollups (docs/scoring.md §3). */
export interface AccountUsage {
  seats: number | null
  knownUsers: number
  activeUsers28: number
  /** Users with at least `hau_days` active days in 28. */
  hauUsers: number
  activeUsers30: number
  coreFeatures: number
  /** Core features used in 30 days by at least max(1, 10% of active users). */
  coreFeaturesAdopted: number
  valueFeatures: number
  valueEvents30: number
  activeUserDays30: number
  activeUserDaysPrev30: number
  releasesBehind: number | null
  nps: number | null
}

export interface RawMeasure {
  key: AccountMeasureKey
  value: number | null
  unit: string
  window: string
  detail: string
}

const pct = (x: number) => `${Math.round(x * 100)}%`

/** Raw value of each measure, null when its data is missing; an account with nobody active scores 0, not missing. */
export function accountRawMeasures(u: AccountUsage): RawMeasure[] {
  const seats = u.seats && u.seats > 0 ? u.seats : u.knownUsers
  const momentum = u.activeUserDaysPrev30 > 0 ? (u.activeUserDays30 - u.activeUserDaysPrev30) / u.activeUserDaysPrev30 : null
  const valuePerUser = u.activeUsers30 > 0 ? u.valueEvents30 / u.activeUsers30 : 0
  return [
    {
      key: 'seat_activation',
      value: seats > 0 ? u.activeUsers28 / seats : null,
      unit: 'ratio',
      window: '28d',
      detail: `${u.activeUsers28}/${seats} ${u.seats ? 'licensed seats' : 'known users'} active`,
    },
    {
      key: 'hau_share',
      value: seats > 0 ? (u.activeUsers28 > 0 ? u.hauUsers / u.activeUsers28 : 0) : null,
      unit: 'ratio',
      window: '28d',
      detail: `${u.hauUsers}/${u.activeUsers28} active users highly active`,
    },
    {
      key: 'feature_breadth',
      value: u.coreFeatures > 0 ? u.coreFeaturesAdopted / u.coreFeatures : null,
      unit: 'ratio',
      window: '30d',
      detail: `${u.coreFeaturesAdopted}/${u.coreFeatures} core features adopted`,
    },
    {
      key: 'value_realisation',
      value: u.valueFeatures > 0 ? Math.log(1 + valuePerUser) : null,
      unit: 'ln(1+value events per active user)',
      window: '30d',
      detail: `${valuePerUser.toFixed(1)} value events per active user`,
    },
    {
      key: 'momentum',
      value: momentum,
      unit: 'ratio change',
      window: '30d vs prior 30d',
      detail: `active user-days ${u.activeUserDays30} vs ${u.activeUserDaysPrev30} (${momentum === null ? 'n/a' : (momentum >= 0 ? '+' : '') + pct(momentum)})`,
    },
    {
      key: 'version_lag',
      value: u.releasesBehind,
      unit: 'releases behind',
      window: '30d',
      detail: `${u.releasesBehind ?? 'n/a'} releases behind latest`,
    },
    { key: 'nps', value: u.nps, unit: 'NPS', window: 'latest', detail: `NPS ${u.nps ?? 'n/a'}` },
  ]
}

export function scoreMeasures(raw: RawMeasure[], profile: ScoringProfile): MeasureScore[] {
  return raw.map((m) => {
    const cfg = profile.measures[m.key]
    return { key: m.key, weight: cfg?.weight ?? 0, score: m.value === null || !cfg ? null : anchorScore(m.value, cfg.anchor) }
  })
}
