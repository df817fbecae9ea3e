/** Pure layout of the health explanation chart: rounded numbers that add up to the rounded score, bar spans. */

export interface MeasurePart {
  key: string
  label: string
  contribution: number
  points_lost: number
  weight: number
  score: number | null
  band: 'red' | 'yellow' | 'green' | null
  detail: string
}

export interface ExplanationRow extends MeasurePart {
  /** Contribution rounded so the rows add up exactly to `shownScore`. */
  shown: number
  /** Points lost rounded so the rows add up exactly to `100 − shownScore`. */
  shownLost: number
}

/**
 * Rounds each value to `decimals` places so the rounded values sum exactly to `total` rounded the same way
 * (largest-remainder method): a chart whose numbers are each rounded on their own can be 0.1 off its total.
 * Works in integer units of 10^-decimals, so the sum is exact, not a float sum.
 */
export function roundToSum(values: readonly number[], total: number, decimals = 1): number[] {
  const f = 10 ** decimals
  const target = Math.round(total * f)
  const scaled = values.map((v) => v * f)
  const floors = scaled.map(Math.floor)
  let rest = target - floors.reduce((a, b) => a + b, 0)
  if (values.length === 0) return []
  // hand the units still missing to the largest remainders (or take surplus from the smallest), cycling if needed
  const order = scaled.map((v, i) => ({ i, frac: v - Math.floor(v) })).sort((a, b) => b.frac - a.frac || a.i - b.i)
  const units = [...floors]
  for (let k = 0; rest > 0; k++, rest--) units[order[k % order.length].i] += 1
  for (let k = 0; rest < 0; k++, rest++) units[order[order.length - 1 - (k % order.length)].i] -= 1
  return units.map((u) => u / f)
}

/** Rows of the explanation chart with their shown (sum-preserving) numbers, and the shown score. */
export function explanationRows(measures: readonly MeasurePart[], score: number): { rows: ExplanationRow[]; shownScore: number } {
  const shownScore = Math.round(score * 10) / 10
  const shown = roundToSum(
    measures.map((m) => m.contribution),
    shownScore,
  )
  const lost = roundToSum(
    measures.map((m) => m.points_lost),
    Math.round((100 - shownScore) * 10) / 10,
  )
  return { rows: measures.map((m, i) => ({ ...m, shown: shown[i], shownLost: lost[i] })), shownScore }
}

/** Sum of shown numbers in tenths, exact (no float drift), as a number with one decimal. */
export function sumShown(values: readonly number[]): number {
  return values.reduce((a, v) => a + Math.round(v * 10), 0) / 10
}

/** One decimal, with a trailing ".0" kept so columns of numbers line up. */
export function fmt1(v: number): string {
  return (Math.round(v * 10) / 10).toFixed(1)
}
