/** `x` rounded to `digits` decimals: the one rounding helper for scores, shares and rates shown to people. */
export const roundTo = (x: number, digits: number): number => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export const round1 = (x: number): number => roundTo(x, 1)
export const round2 = (x: number): number => roundTo(x, 2)
export const round3 = (x: number): number => roundTo(x, 3)
