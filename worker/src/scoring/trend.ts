import type { Trend } from '../../../shared/api/scoring'
import { round1 } from '../lib/round'

export type { Trend }

const DEAD_BAND = 3

/** Trend from daily snapshots (docs/scoring.md §7): `history` is [daysAgo, score] pairs. */
export function trend(score: number | null, history: [number, number][]): Trend {
  const at = (d: number) => history.find(([a]) => a === d)?.[1] ?? null
  const s7 = at(7)
  const s30 = at(30)
  const delta7 = score === null || s7 === null ? null : round1(score - s7)
  const delta30 = score === null || s30 === null ? null : round1(score - s30)
  const points = [...history.filter(([d]) => d <= 30), ...(score === null ? [] : [[0, score] as [number, number]])]
  let slope: number | null = null
  if (points.length >= 3) {
    const xs = points.map(([d]) => -d)
    const ys = points.map(([, s]) => s)
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length
    const my = ys.reduce((a, b) => a + b, 0) / ys.length
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0)
    slope = sxx === 0 ? null : round1((7 * xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0)) / sxx)
  }
  const arrow = delta30 === null ? null : delta30 > DEAD_BAND ? 'up' : delta30 < -DEAD_BAND ? 'down' : 'flat'
  return { delta7, delta30, arrow, slope_per_week: slope }
}
