import type { UserAggRow } from './inputs-store'

export interface Pes {
  adoption: number | null
  stickiness: number | null
  growth: number | null
  pes: number | null
}

const r1 = (x: number) => Math.round(x * 10) / 10

/**
 * Pendo-style product engagement (docs/scoring.md §11): adoption = mean core breadth of active users,
 * stickiness = mean active days per active user / 30, growth = bounded quick ratio (new+recovered vs dropped).
 */
export function pes(members: UserAggRow[], coreTotal: number, featuresByUser: Map<string, { feature_key: string }[]>, coreKeys: Set<string>): Pes {
  const active = members.filter((m) => m.a30 > 0)
  const adoption = active.length && coreTotal
    ? r1((100 * active.reduce((a, m) => a + (featuresByUser.get(m.user_id) ?? []).filter((f) => coreKeys.has(f.feature_key)).length / coreTotal, 0)) / active.length)
    : null
  const stickiness = active.length ? r1((100 * active.reduce((a, m) => a + m.a30, 0)) / active.length / 30) : null
  // new and recovered are not separable from 60 days of rollups: both are "active now, not in the prior 30 days"
  const gained = members.filter((m) => m.a30 > 0 && m.p30 === 0).length
  const dropped = members.filter((m) => m.a30 === 0 && m.p30 > 0).length
  const growth = gained + dropped ? r1((100 * gained) / (gained + dropped)) : null
  const parts = [adoption, stickiness, growth].filter((x): x is number => x !== null)
  return { adoption, stickiness, growth, pes: parts.length === 3 ? r1(parts.reduce((a, b) => a + b, 0) / 3) : null }
}
