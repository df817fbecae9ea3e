import { chiSquare1Sf, logFactorials } from './distributions'

/** A 2x2 table: n11 = exposed & outcome, n10 = exposed & not, n01 = unexposed & outcome, n00 = unexposed & not. */
export interface Table2x2 {
  n11: number
  n10: number
  n01: number
  n00: number
}

const total = (t: Table2x2) => t.n11 + t.n10 + t.n01 + t.n00

/**
 * Fisher's exact test, two-sided: the probability of every table with the same margins that is no more
 * likely than the observed one (R's rule, with a 1e-7 relative tolerance for ties in probability).
 */
export function fisherExact(t: Table2x2): number {
  const r1 = t.n11 + t.n10
  const r2 = t.n01 + t.n00
  const c1 = t.n11 + t.n01
  const n = total(t)
  if (r1 === 0 || r2 === 0 || c1 === 0 || c1 === n) return 1
  const lf = logFactorials(n)
  const logP = (k: number) => lf[r1] - lf[k] - lf[r1 - k] + lf[r2] - lf[c1 - k] - lf[r2 - c1 + k] - (lf[n] - lf[c1] - lf[n - c1])
  const observed = logP(t.n11)
  let p = 0
  for (let k = Math.max(0, c1 - r2); k <= Math.min(r1, c1); k++) {
    const lp = logP(k)
    if (lp <= observed + 1e-7) p += Math.exp(lp)
  }
  return Math.min(1, p)
}

/** Pearson's chi-square test of independence for a 2x2 (optionally with Yates' continuity correction). */
export function chiSquare2x2(t: Table2x2, yates = false): { chi2: number; p: number } | null {
  const n = total(t)
  const r1 = t.n11 + t.n10
  const r2 = t.n01 + t.n00
  const c1 = t.n11 + t.n01
  const c2 = t.n10 + t.n00
  if (!r1 || !r2 || !c1 || !c2) return null
  const diff = Math.abs(t.n11 * t.n00 - t.n10 * t.n01)
  const num = yates ? Math.max(0, diff - n / 2) : diff
  const chi2 = (n * num * num) / (r1 * r2 * c1 * c2)
  return { chi2, p: chiSquare1Sf(chi2) }
}

export interface MantelHaenszel {
  /** Mantel–Haenszel common odds ratio; null when it is 0/0 or infinite. */
  odds_ratio: number | null
  /** 95% interval from the Robins–Breslow–Greenland variance of ln(OR). */
  ci95: [number, number] | null
  /** Cochran–Mantel–Haenszel chi-square (1 df) and its p-value. */
  chi2: number
  p_value: number
  strata_used: number
  n: number
}

/**
 * Association of exposure and outcome across strata (e.g. activity quintiles): the common odds ratio
 * with its RGB interval and the CMH test, with R's continuity correction by default. Strata of fewer
 * than 2 carry no information and are skipped; null when none is informative.
 */
export function mantelHaenszel(strata: readonly Table2x2[], options: { correct?: boolean; z?: number } = {}): MantelHaenszel | null {
  const z = options.z ?? 1.96
  let sumR = 0,
    sumS = 0,
    sumPR = 0,
    sumPSQR = 0,
    sumQS = 0
  let sumA = 0,
    sumE = 0,
    sumV = 0,
    used = 0,
    n = 0
  for (const t of strata) {
    const ni = total(t)
    if (ni < 2) continue
    used++
    n += ni
    const { n11: a, n10: b, n01: c, n00: d } = t
    const R = (a * d) / ni
    const S = (b * c) / ni
    const P = (a + d) / ni
    const Q = (b + c) / ni
    sumR += R
    sumS += S
    sumPR += P * R
    sumPSQR += P * S + Q * R
    sumQS += Q * S
    sumA += a
    sumE += ((a + b) * (a + c)) / ni
    sumV += ((a + b) * (c + d) * (a + c) * (b + d)) / (ni * ni * (ni - 1))
  }
  if (!used) return null
  const delta = Math.abs(sumA - sumE)
  const yates = (options.correct ?? true) && delta >= 0.5 ? 0.5 : 0
  const chi2 = sumV > 0 ? (delta - yates) ** 2 / sumV : 0
  const or = sumR > 0 && sumS > 0 ? sumR / sumS : null
  let ci: [number, number] | null = null
  if (or !== null) {
    const varLog = sumPR / (2 * sumR * sumR) + sumPSQR / (2 * sumR * sumS) + sumQS / (2 * sumS * sumS)
    const half = z * Math.sqrt(varLog)
    ci = [Math.exp(Math.log(or) - half), Math.exp(Math.log(or) + half)]
  }
  return { odds_ratio: or, ci95: ci, chi2, p_value: sumV > 0 ? chiSquare1Sf(chi2) : 1, strata_used: used, n }
}

/**
 * Stratum (0..k-1) of each value by its quantile; equal values always share a stratum, so heavy ties
 * make fewer or uneven strata rather than splitting identical accounts.
 */
export function quantileStrata(values: readonly number[], k: number): number[] {
  if (!(k >= 1)) throw new RangeError('k must be at least 1')
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  // cut points: the value at each i/k quantile position; a value goes above every cut it exceeds
  const cuts: number[] = []
  for (let i = 1; i < k; i++) cuts.push(sorted[Math.min(n - 1, Math.floor((i * n) / k))])
  return values.map((v) => {
    let s = 0
    for (const c of cuts) if (v >= c) s++
    return s
  })
}
