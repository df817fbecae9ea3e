import type { ScoringProfile } from '../../../shared/scoring'
import { rawBand } from './normalise'

export type Band = 'red' | 'yellow' | 'green' | 'insufficient_data'

export interface BandState {
  band: Band
  /** A different band seen on the last run(s) but not yet confirmed. */
  pending: Band | null
  pendingRuns: number
}

/** Runs a new band must hold before it is emitted (SCORING §8). */
export const CONFIRM_RUNS = 2

/**
 * Band with hysteresis: red is left only at red + h, green only below green - h; and a change is
 * emitted only after it held for two consecutive daily runs.
 */
export function nextBand(prev: BandState | null, score: number | null, bands: ScoringProfile['bands']): BandState {
  const candidate = candidateBand(prev?.band ?? null, score, bands)
  if (!prev || prev.band === candidate) return { band: candidate, pending: null, pendingRuns: 0 }
  const runs = prev.pending === candidate ? prev.pendingRuns + 1 : 1
  return runs >= CONFIRM_RUNS ? { band: candidate, pending: null, pendingRuns: 0 } : { band: prev.band, pending: candidate, pendingRuns: runs }
}

function candidateBand(prev: Band | null, score: number | null, bands: ScoringProfile['bands']): Band {
  if (score === null) return 'insufficient_data'
  if (prev === 'red' && score < bands.red + bands.hysteresis) return 'red'
  if (prev === 'green' && score >= bands.green - bands.hysteresis) return 'green'
  return rawBand(score, bands)
}
