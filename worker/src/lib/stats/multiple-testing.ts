/** Benjamini–Hochberg step-up procedure: controls the false discovery rate at q across m tests. */
export interface BhResult {
  /** BH-adjusted p-values (q-values), monotone in the raw p-values and capped at 1. */
  adjusted: number[]
  rejected: boolean[]
}

export function benjaminiHochberg(pValues: readonly number[], q = 0.1): BhResult {
  if (!(q > 0 && q <= 1)) throw new RangeError('q must be in (0, 1]')
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value out of [0, 1]: ${p}`)
  const m = pValues.length
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a] - pValues[b])
  const adjusted = new Array<number>(m)
  let running = 1
  // step up from the largest p: adjusted p_(i) = min over j ≥ i of m·p_(j)/j
  for (let r = m; r >= 1; r--) {
    const i = order[r - 1]
    running = Math.min(running, (m * pValues[i]) / r)
    adjusted[i] = Math.max(pValues[i], running) // m/r ≥ 1, so only rounding could put it below p
  }
  return { adjusted, rejected: adjusted.map((a) => a <= q) }
}
