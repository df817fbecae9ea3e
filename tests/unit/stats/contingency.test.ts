import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chiSquare2x2, fisherExact, mantelHaenszel, quantileStrata, type Table2x2 } from '../../../worker/src/lib/stats'

const t = (n11: number, n10: number, n01: number, n00: number): Table2x2 => ({ n11, n10, n01, n00 })
const cell = fc.integer({ min: 0, max: 40 })
const table = fc.tuple(cell, cell, cell, cell).map(([a, b, c, d]) => t(a, b, c, d))

describe('fisherExact (two-sided)', () => {
  it.each([
    [t(3, 1, 1, 3), 0.485714],
    [t(20, 80, 0, 5), 0.580619],
    [t(10, 2, 3, 15), 0.000536724],
  ])('gives scipy.stats.fisher_exact’s p for %j', (tab, p) => {
    expect(fisherExact(tab)).toBeCloseTo(p, 6)
  })
  it('reaches tiny p-values without underflow: the SCORING worked check is p ≈ 5.0e-39', () => {
    expect(fisherExact(t(300, 100, 200, 400)) / 4.9787729799636924e-39).toBeCloseTo(1, 5)
  })
  it('is 1 for a table with an empty margin', () => {
    expect(fisherExact(t(0, 0, 3, 4))).toBe(1)
  })
  it('lies in (0, 1] and does not depend on which variable is rows (property)', () => {
    fc.assert(
      fc.property(table, (x) => {
        const p = fisherExact(x)
        expect(p).toBeGreaterThan(0)
        expect(p).toBeLessThanOrEqual(1)
        expect(fisherExact(t(x.n11, x.n01, x.n10, x.n00))).toBeCloseTo(p, 9)
      }),
    )
  })
})

describe('chiSquare2x2', () => {
  it('gives Pearson 166.67 and Yates 165.00 for the SCORING worked check (scipy chi2_contingency)', () => {
    expect(chiSquare2x2(t(300, 100, 200, 400))!.chi2).toBeCloseTo(166.6667, 4)
    expect(chiSquare2x2(t(300, 100, 200, 400), true)!.chi2).toBeCloseTo(165.0042, 4)
    expect(chiSquare2x2(t(1, 0, 1, 0))).toBeNull()
  })
})

describe('mantelHaenszel', () => {
  // R: mantelhaen.test(Rabbits) — "Mantel-Haenszel X-squared = 3.9286, df = 1, p-value = 0.04747"
  const rabbits = [t(0, 6, 0, 5), t(3, 3, 0, 6), t(6, 0, 2, 4), t(5, 1, 6, 0), t(2, 0, 5, 0)]
  it('gives the CMH statistic and p of R’s Rabbits example, with continuity correction', () => {
    const r = mantelHaenszel(rabbits)!
    expect(r.chi2).toBeCloseTo(3.928571, 6)
    expect(r.p_value).toBeCloseTo(0.04747, 5)
    expect(r.odds_ratio).toBe(7) // Σ ad/n = 3.5, Σ bc/n = 0.5
    expect(r.strata_used).toBe(5)
  })

  it('reduces to the sample odds ratio with Woolf’s interval for one stratum', () => {
    const r = mantelHaenszel([t(30, 10, 20, 40)])!
    expect(r.odds_ratio).toBeCloseTo(6, 12)
    const half = 1.96 * Math.sqrt(1 / 30 + 1 / 10 + 1 / 20 + 1 / 40)
    expect(r.ci95![0]).toBeCloseTo(6 * Math.exp(-half), 10)
    expect(r.ci95![1]).toBeCloseTo(6 * Math.exp(half), 10)
  })

  it('without correction equals Pearson chi-square × (n − 1)/n for one stratum (property)', () => {
    fc.assert(
      fc.property(table, (x) => {
        const pearson = chiSquare2x2(x)
        const n = x.n11 + x.n10 + x.n01 + x.n00
        fc.pre(pearson !== null && n >= 2)
        expect(mantelHaenszel([x], { correct: false })!.chi2).toBeCloseTo((pearson!.chi2 * (n - 1)) / n, 8)
      }),
    )
  })

  it('finds no association when a confounder explains it: exposure and outcome independent within each stratum', () => {
    // busy stratum: most exposed and most retained; quiet stratum: few of either; within each, OR = 1
    const strata = [t(80, 20, 8, 2), t(2, 8, 20, 80)]
    const pooled = strata.reduce((a, s) => t(a.n11 + s.n11, a.n10 + s.n10, a.n01 + s.n01, a.n00 + s.n00), t(0, 0, 0, 0))
    expect(fisherExact(pooled)).toBeLessThan(1e-10)
    const r = mantelHaenszel(strata)!
    expect(r.odds_ratio).toBeCloseTo(1, 12)
    expect(r.p_value).toBeGreaterThan(0.5)
  })

  it('skips strata of fewer than 2 and is null with none left', () => {
    expect(mantelHaenszel([t(1, 0, 0, 0)])).toBeNull()
    expect(mantelHaenszel([t(1, 0, 0, 0), t(30, 10, 20, 40)])!.strata_used).toBe(1)
  })

  it('has a p in [0, 1] and an interval around its odds ratio; swapping exposure levels inverts the ratio (property)', () => {
    fc.assert(
      fc.property(fc.array(table, { minLength: 1, maxLength: 6 }), (strata) => {
        const r = mantelHaenszel(strata)
        if (!r) return
        expect(r.p_value).toBeGreaterThanOrEqual(0)
        expect(r.p_value).toBeLessThanOrEqual(1)
        if (r.odds_ratio === null) return
        expect(r.ci95![0]).toBeLessThanOrEqual(r.odds_ratio * (1 + 1e-9))
        expect(r.ci95![1]).toBeGreaterThanOrEqual(r.odds_ratio * (1 - 1e-9))
        const swapped = mantelHaenszel(strata.map((s) => t(s.n01, s.n00, s.n11, s.n10)))!
        expect(swapped.odds_ratio! * r.odds_ratio).toBeCloseTo(1, 9)
        expect(swapped.chi2).toBeCloseTo(r.chi2, 9)
      }),
    )
  })
})

describe('quantileStrata', () => {
  it('cuts 10 distinct values into 5 strata of 2', () => {
    expect(quantileStrata([9, 0, 8, 1, 7, 2, 6, 3, 5, 4], 5)).toEqual([4, 0, 4, 0, 3, 1, 3, 1, 2, 2])
  })
  it('keeps equal values together and orders strata like the values (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 10 }), (vs, k) => {
        const s = quantileStrata(vs, k)
        vs.forEach((v, i) =>
          vs.forEach((w, j) => {
            if (v === w) expect(s[i]).toBe(s[j])
            if (v < w) expect(s[i]).toBeLessThanOrEqual(s[j])
          }),
        )
        s.forEach((x) => expect(x).toBeLessThan(k))
      }),
    )
  })
})
