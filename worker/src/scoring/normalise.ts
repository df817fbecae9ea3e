import type { Anchor } from '../../../shared/scoring'

/** Anchor scores at the band edges (docs/scoring.md §2), so a measure is red exactly below `poor`. */
export const A_LO = 40
export const A_HI = 70

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/**
 * Anchor-based piecewise-linear normalisation to 0-100. Lower-is-better anchors are negated first;
 * for them `min` is the worst value and `cap` the best.
 */
export function anchorScore(x: number, anchor: Anchor): number {
  const sign = anchor.lower_is_better ? -1 : 1
  const v = sign * x
  const poor = sign * anchor.poor
  const healthy = sign * anchor.healthy
  const span = healthy - poor
  const min = anchor.min !== undefined ? sign * anchor.min : Math.min(0, poor - 2 * span)
  const cap = anchor.cap !== undefined ? sign * anchor.cap : healthy + span
  if (v <= poor) return poor === min ? (v < poor ? 0 : A_LO) : clamp((A_LO * (v - min)) / (poor - min), 0, A_LO)
  if (v < healthy) return A_LO + ((A_HI - A_LO) * (v - poor)) / span
  return cap <= healthy ? 100 : A_HI + (100 - A_HI) * Math.min(1, (v - healthy) / (cap - healthy))
}

/** Capped ratio (docs/scoring.md §2). */
export const cappedRatio = (x: number, target: number) => (target <= 0 ? 0 : 100 * Math.min(1, Math.max(0, x / target)))

/** Band of a 0-100 score without hysteresis. */
export function rawBand(score: number, bands: { red: number; green: number }): 'red' | 'yellow' | 'green' {
  return score < bands.red ? 'red' : score >= bands.green ? 'green' : 'yellow'
}
