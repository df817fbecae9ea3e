/** Score intervals for one proportion and for a difference of two, which hold at 0/n and n/n. */

/** Wilson score interval for x successes in n trials; null when n = 0. */
export function wilsonInterval(x: number, n: number, z = 1.96): [number, number] | null {
  if (!(n > 0) || x < 0 || x > n) return null
  const p = x / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denom
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  // exact ends at the boundaries, where rounding would otherwise leave 1e-17 of slack
  return [x === 0 ? 0 : Math.max(0, centre - half), x === n ? 1 : Math.min(1, centre + half)]
}

export interface DifferenceInterval {
  difference: number
  ci: [number, number]
}

/**
 * Newcombe's hybrid score interval for p1 − p2 (Newcombe 1998, method 10): Wilson limits of each group
 * combined by the square-and-add rule. Null when either group is empty.
 */
export function newcombeDifferenceInterval(x1: number, n1: number, x2: number, n2: number, z = 1.96): DifferenceInterval | null {
  const w1 = wilsonInterval(x1, n1, z)
  const w2 = wilsonInterval(x2, n2, z)
  if (!w1 || !w2) return null
  const p1 = x1 / n1
  const p2 = x2 / n2
  const d = p1 - p2
  const lower = d - Math.sqrt((p1 - w1[0]) ** 2 + (w2[1] - p2) ** 2)
  const upper = d + Math.sqrt((w1[1] - p1) ** 2 + (p2 - w2[0]) ** 2)
  return { difference: d, ci: [Math.max(-1, lower), Math.min(1, upper)] }
}
