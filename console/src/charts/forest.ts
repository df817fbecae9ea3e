/** Pure layout of the forest plot of each feature's phi (retained vs churned) with its 95 % interval. */
import { linearScale } from './scale'

export interface PhiRow {
  key: string
  name: string
  phi: number | null
  phi_ci95: [number, number] | null
  label: string
}

/**
 * The x domain: symmetric around 0 (phi runs −1…1) and just wide enough for every point and interval,
 * rounded up to a tenth, at least ±0.5 so small effects do not look large.
 */
export function phiDomain(rows: readonly PhiRow[]): [number, number] {
  let m = 0.5
  for (const r of rows) {
    for (const v of [r.phi, ...(r.phi_ci95 ?? [])]) if (v !== null && Number.isFinite(v)) m = Math.max(m, Math.abs(v))
  }
  const edge = Math.min(1, Math.ceil(m * 10) / 10)
  return [-edge, edge]
}

/** Ticks every 0.25 or 0.5 across the domain, always including 0. */
export function phiTicks([lo, hi]: [number, number]): number[] {
  const step = hi - lo > 1.2 ? 0.5 : 0.25
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 100) / 100)
  return out
}

/** Geometry of one row: x of the point and interval ends in a plot `width` wide (null when not estimable). */
export function forestRow(row: PhiRow, domain: [number, number], x0: number, x1: number) {
  const x = linearScale(domain[0], domain[1], x0, x1)
  const clamp = (v: number) => Math.min(domain[1], Math.max(domain[0], v))
  return {
    cx: row.phi === null ? null : x(clamp(row.phi)),
    lo: row.phi_ci95 ? x(clamp(row.phi_ci95[0])) : null,
    hi: row.phi_ci95 ? x(clamp(row.phi_ci95[1])) : null,
    /** The interval lies wholly on one side of zero. */
    excludesZero: row.phi_ci95 !== null && (row.phi_ci95[0] > 0 || row.phi_ci95[1] < 0),
  }
}
