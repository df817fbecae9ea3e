import type { AccountMeasureKey } from '../../../shared/scoring'
import { round1 } from '../lib/round'
import { MEASURE_LABELS } from './account-health'

/** One measure of a score as stored with the latest score (explanation) or a daily snapshot. */
export interface MeasurePoint {
  key: string
  score: number | null
  weight: number
}

/** Points each measure gives the total, as scoring combines them: its score times its share of the present weight. Pure. */
export function contributions(measures: readonly MeasurePoint[]): Map<string, number> {
  const present = measures.filter((m): m is MeasurePoint & { score: number } => m.score !== null && m.weight > 0)
  const weight = present.reduce((a, m) => a + m.weight, 0)
  return new Map(present.map((m) => [m.key, weight ? (m.weight * m.score) / weight : 0]))
}

/** Smallest change of a measure's share, in points, worth naming. */
const MIN_POINTS = 0.5
const MAX_NAMED = 3

const label = (key: string) => MEASURE_LABELS[key as AccountMeasureKey] ?? key
const signed = (x: number) => `${x > 0 ? '+' : '-'}${Math.abs(round1(x))}`

/**
 * Why a score moved, in one sentence: the measures whose points moved most in the direction of the move (their
 * changes sum to the move when both scores come from the same measures). A measure that had data before and has
 * none now says so. Pure.
 */
export function moverReason(delta: number, days: number, current: readonly MeasurePoint[], previous: readonly MeasurePoint[]): string {
  const head = `${delta < 0 ? 'Down' : delta > 0 ? 'Up' : 'No change'}${delta ? ` ${Math.abs(round1(delta))} points` : ''} in ${days} days`
  if (!delta) return head
  const now = contributions(current)
  const before = contributions(previous)
  const keys = [...new Set([...now.keys(), ...before.keys()])]
  const moved = keys
    .map((key) => ({ key, change: (now.get(key) ?? 0) - (before.get(key) ?? 0), lostData: before.has(key) && !now.has(key) }))
    .filter((m) => Math.sign(m.change) === Math.sign(delta) && Math.abs(m.change) >= MIN_POINTS)
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.key.localeCompare(b.key))
    .slice(0, MAX_NAMED)
  if (!moved.length) return head
  return `${head}: ${moved.map((m) => `${label(m.key)} ${signed(m.change)}${m.lostData ? ' (no data now)' : ''}`).join(', ')}`
}
