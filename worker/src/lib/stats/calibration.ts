/** How well predicted probabilities match what happened: decile table and Brier score. */
export interface CalibrationBin {
  bin: number
  n: number
  predicted_min: number
  predicted_max: number
  mean_predicted: number
  observed_rate: number
}

/**
 * Rows ranked by prediction (ties by input order, so it is deterministic) and cut into `bins` groups of
 * near-equal size; each reports its mean prediction beside the observed rate.
 */
export function calibrationTable(predicted: readonly number[], observed: readonly (number | boolean)[], bins = 10): CalibrationBin[] {
  if (predicted.length !== observed.length) throw new RangeError('predicted and observed differ in length')
  const n = predicted.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[a] - predicted[b] || a - b)
  const out: CalibrationBin[] = []
  for (let b = 0; b < bins; b++) {
    const members = order.slice(Math.floor((b * n) / bins), Math.floor(((b + 1) * n) / bins))
    if (!members.length) continue
    const ps = members.map((i) => predicted[i])
    out.push({
      bin: out.length + 1,
      n: members.length,
      predicted_min: ps[0],
      predicted_max: ps[ps.length - 1],
      mean_predicted: ps.reduce((a, p) => a + p, 0) / members.length,
      observed_rate: members.filter((i) => observed[i] === true || observed[i] === 1).length / members.length,
    })
  }
  return out
}

/** Mean squared error of probabilities against 0/1 outcomes; null for no rows. */
export function brierScore(predicted: readonly number[], observed: readonly (number | boolean)[]): number | null {
  if (!predicted.length) return null
  let s = 0
  for (let i = 0; i < predicted.length; i++) s += (predicted[i] - (observed[i] === true || observed[i] === 1 ? 1 : 0)) ** 2
  return s / predicted.length
}
