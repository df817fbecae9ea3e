/** Pure chart geometry shared by the console's SVG charts and the uPlot history chart; no DOM. */

export type BandName = 'red' | 'yellow' | 'green' | 'insufficient_data'

/** Default band cut-offs (worker/src/scoring/defaults.ts); charts colour by the API's band when it gives one. */
export const DEFAULT_BANDS = { red: 40, green: 70 } as const

/** Band colours, readable on white and distinguishable in grey (AA contrast for the text colours). */
export const BAND_COLOURS: Record<BandName, string> = {
  red: '#c0392b',
  yellow: '#b7860b',
  green: '#1e8449',
  insufficient_data: '#7f8c8d',
}

/** A linear map from [d0, d1] onto [r0, r1]; a zero-width domain maps to the range's middle. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0
  if (span === 0 || !Number.isFinite(span)) return () => (r0 + r1) / 2
  return (v) => r0 + ((v - d0) / span) * (r1 - r0)
}

/** The band a score falls in with the default cut-offs (used where the API gives a score without a band). */
export function bandOf(score: number | null, bands: { red: number; green: number } = DEFAULT_BANDS): BandName {
  if (score === null || !Number.isFinite(score)) return 'insufficient_data'
  if (score < bands.red) return 'red'
  if (score >= bands.green) return 'green'
  return 'yellow'
}

/**
 * SVG path for a sparkline: `M`/`L` commands over the non-null values, a gap (new `M`) after each null,
 * x spread evenly over the width and y on a fixed 0–100 scale so two sparklines compare by eye.
 */
export function sparklinePath(values: readonly (number | null)[], width: number, height: number, pad = 2): string {
  const x = linearScale(0, Math.max(values.length - 1, 1), pad, width - pad)
  const y = linearScale(0, 100, height - pad, pad)
  let d = ''
  let pen = false
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false
      return
    }
    const c = Math.min(100, Math.max(0, v))
    d += `${pen ? 'L' : 'M'}${round(x(i))} ${round(y(c))}`
    pen = true
  })
  return d
}

/** The last non-null value and its index, or null when the series has none. */
export function lastPoint(values: readonly (number | null)[]): { index: number; value: number } | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]
    if (v !== null && v !== undefined && Number.isFinite(v)) return { index: i, value: v }
  }
  return null
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
