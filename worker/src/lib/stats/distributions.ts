/** Distribution functions the tests below need, accurate to ~1e-7 relative (enough for p-values and FDR). */

/** Complementary error function (Numerical Recipes `erfcc`, Chebyshev fit, fractional error < 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}

/** Standard normal cumulative distribution Φ(x). */
export const normalCdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2)

/** Two-sided p-value of a standard normal statistic. */
export const twoSidedNormalP = (z: number) => Math.min(1, erfc(Math.abs(z) / Math.SQRT2))

/** Upper tail of a chi-square with one degree of freedom: P(X ≥ x) = erfc(√(x/2)). */
export const chiSquare1Sf = (x: number) => (x <= 0 ? 1 : Math.min(1, erfc(Math.sqrt(x / 2))))

/** ln(k!) for k = 0..n, summed exactly enough for tables of a few hundred thousand. */
export function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1)
  for (let k = 2; k <= n; k++) out[k] = out[k - 1] + Math.log(k)
  return out
}
