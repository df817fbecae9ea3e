import type { Band } from '../../../shared/constants'
import type { ScoringProfile } from '../../../shared/scoring'
import { rawBand } from './normalise'

export type { Band }

export interface BandState {
  band: Band
  /** A different band seen on the last run(s) but not yet confirmed. */
  pending: Band | null
  /** Day (`YYYY-MM-DD`) the pending band was first seen: it is confirmed on a later day, not by a later run. */
  pendingSince: string | null
}

/**
 * Band with hysteresis (docs/scoring.md §8): red is left only at red + h, green only below green - h; and a change
 * between bands is emitted only when the new band is seen on two distinct days, so reruns within a day
 * confirm nothing. A null score has no band (`insufficient_data`) at once: never a stale red or green.
 */
export function nextBand(prev: BandState | null, score: number | null, bands: ScoringProfile['bands'], day: string): BandState {
  if (score === null) return { band: 'insufficient_data', pending: null, pendingSince: null }
  const candidate = candidateBand(prev?.band ?? null, score, bands)
  // a first band, or one after a spell without data, is not a change to confirm
  if (!prev || prev.band === candidate || prev.band === 'insufficient_data') return { band: candidate, pending: null, pendingSince: null }
  if (prev.pending !== candidate || prev.pendingSince === null) return { band: prev.band, pending: candidate, pendingSince: day }
  return prev.pendingSince < day
    ? { band: candidate, pending: null, pendingSince: null }
    : { band: prev.band, pending: candidate, pendingSince: prev.pendingSince }
}

function candidateBand(prev: Band | null, score: number, bands: ScoringProfile['bands']): Band {
  if (prev === 'red' && score < bands.red + bands.hysteresis) return 'red'
  if (prev === 'green' && score >= bands.green - bands.hysteresis) return 'green'
  return rawBand(score, bands)
}

/** The band state as of a past day, replayed from that account's earlier daily snapshots (oldest first). */
export function replayBandState(snapshots: { day: string; score: number | null }[], bands: ScoringProfile['bands']): BandState | null {
  let state: BandState | null = null
  for (const s of [...snapshots].sort((a, b) => a.day.localeCompare(b.day))) state = nextBand(state, s.score, bands, s.day)
  return state
}
