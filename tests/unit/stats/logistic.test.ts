import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chooseL2, fitLogistic, kFoldCrossValidate, logLoss, predictLogistic, stratifiedFolds } from '../../../worker/src/lib/stats'
import { brierScore, calibrationTable } from '../../../worker/src/lib/stats'

const X = [
  [1, 10],
  [2, 12],
  [3, 9],
  [4, 15],
  [5, 11],
  [6, 20],
  [7, 14],
  [8, 18],
  [9, 13],
  [10, 25],
  [2, 30],
  [4, 8],
  [6, 16],
  [8, 22],
  [1, 5],
  [3, 19],
  [5, 7],
  [7, 24],
  [9, 17],
  [10, 6],
]
const y = [0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1]

describe('fitLogistic (Newton/IRLS, L2 on standardised slopes)', () => {
  // reference: scipy.optimize.minimize(BFGS, gtol 1e-12) of the same penalised objective
  it.each([
    [0, -4.8278809, [0.49362161, 0.13687386], [1.41782013, 0.91559816]],
    [1, -3.4022006, [0.34739203, 0.0976591], [0.99780763, 0.65327663]],
    [10, -1.2478852, [0.12425077, 0.03742748], [0.35688318, 0.25036575]],
  ])('λ = %d gives the optimum scipy finds', (l2, intercept, coefficients, standardized) => {
    const m = fitLogistic(X, y, { l2 })
    expect(m.converged).toBe(true)
    expect(m.intercept).toBeCloseTo(intercept, 5)
    m.coefficients.forEach((c, j) => expect(c).toBeCloseTo(coefficients[j], 6))
    m.standardized.forEach((c, j) => expect(c).toBeCloseTo(standardized[j], 5))
  })

  it('leaves a constant feature at 0 and still fits the others', () => {
    const m = fitLogistic(
      X.map((r) => [...r, 3]),
      y,
      { l2: 1 },
    )
    expect(m.coefficients[2]).toBe(0)
    expect(m.coefficients[0]).toBeCloseTo(0.34739203, 6)
  })

  it('stays finite on perfectly separated data thanks to the penalty', () => {
    const m = fitLogistic([[0], [1], [2], [3]], [0, 0, 1, 1], { l2: 0.01 })
    expect(Number.isFinite(m.coefficients[0])).toBe(true)
    expect(predictLogistic(m, [3])).toBeGreaterThan(0.9)
  })

  it('is deterministic and shrinks slopes as λ grows (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.boolean()), {
          minLength: 6,
          maxLength: 40,
        }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        (rows, l2) => {
          const x = rows.map((r) => [r[0], r[1]]),
            yy = rows.map((r) => (r[2] ? 1 : 0))
          const a = fitLogistic(x, yy, { l2 }),
            b = fitLogistic(x, yy, { l2 })
          expect(a).toEqual(b)
          const norm = (m: typeof a) => Math.hypot(...m.standardized)
          expect(norm(fitLogistic(x, yy, { l2: l2 * 4 }))).toBeLessThanOrEqual(norm(a) + 1e-6)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('never predicts outside (0, 1) and is calibrated in the large: mean fitted = mean observed (unpenalised intercept) (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 8, maxLength: 40 }), (rows) => {
        const yy = rows.map((r) => (r[1] ? 1 : 0))
        fc.pre(yy.some(Boolean) && !yy.every(Boolean))
        const x = rows.map((r) => [r[0]])
        const m = fitLogistic(x, yy, { l2: 1e-3, maxIter: 100 })
        const ps = x.map((r) => predictLogistic(m, r))
        ps.forEach((p) => expect(p > 0 && p < 1).toBe(true))
        // the intercept's score equation: Σ(p − y) = 0 at the optimum
        expect(ps.reduce((a, p) => a + p, 0) / ps.length).toBeCloseTo(yy.reduce<number>((a, b) => a + b, 0) / yy.length, 4)
      }),
      { numRuns: 60 },
    )
  })
})

describe('stratified k-fold cross-validation', () => {
  it('keeps each fold’s class balance within one row and is reproducible by seed', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i % 4 === 0 ? 1 : 0))
    const f = stratifiedFolds(labels, 5, 42)
    for (let k = 0; k < 5; k++) {
      const pos = labels.filter((l, i) => l && f[i] === k).length
      expect(Math.abs(pos - 26 / 5)).toBeLessThanOrEqual(1)
    }
    expect(stratifiedFolds(labels, 5, 42)).toEqual(f)
    expect(stratifiedFolds(labels, 5, 43)).not.toEqual(f)
    expect(() => stratifiedFolds(labels, 1, 1)).toThrow(RangeError)
  })

  it('predicts each row with a model that never saw it', () => {
    const rows = X.map((x, i) => ({ x, y: y[i], i }))
    const seen: number[][] = []
    const cv = kFoldCrossValidate(
      rows,
      4,
      7,
      (train) => (seen.push(train.map((r) => r.i)), train.map((r) => r.i)),
      (trainIds, r) => (trainIds.includes(r.i) ? 1 : 0),
    )
    expect(cv.predictions).toEqual(Array(20).fill(0))
    expect(seen.flat().length).toBe(60)
  })

  it('chooses λ by cross-validated log-loss from the grid', () => {
    const rows = X.map((x, i) => ({ x, y: y[i] }))
    const choice = chooseL2(rows, { k: 4, seed: 3 })
    expect(choice.cv.map((c) => c.l2)).toEqual([0.01, 0.1, 1, 10, 100])
    expect(choice.l2).toBe(choice.cv.reduce((a, b) => (b.log_loss < a.log_loss ? b : a)).l2)
  })
})

describe('calibration', () => {
  it('cuts predictions into deciles and compares mean predicted with observed rate', () => {
    const p = Array.from({ length: 100 }, (_, i) => i / 100)
    const o = p.map((_, i) => (i % 10 < Math.floor(i / 10) ? 1 : 0))
    const table = calibrationTable(p, o)
    expect(table).toHaveLength(10)
    expect(table[3]).toMatchObject({ bin: 4, n: 10, predicted_min: 0.3, predicted_max: 0.39, observed_rate: 0.3 })
    expect(table[3].mean_predicted).toBeCloseTo(0.345, 12)
  })
  it('gives Brier 0.25 for always 0.5, 0 for a perfect forecast, and log-loss ln 2 for 0.5', () => {
    expect(brierScore([0.5, 0.5], [1, 0])).toBe(0.25)
    expect(brierScore([1, 0], [true, false])).toBe(0)
    expect(logLoss([0.5, 0.5], [1, 0])).toBeCloseTo(Math.LN2, 12)
  })
  it('puts every row in exactly one bin (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean())),
        fc.integer({ min: 1, max: 12 }),
        (rows, bins) => {
          const table = calibrationTable(
            rows.map((r) => r[0]),
            rows.map((r) => r[1]),
            bins,
          )
          expect(table.reduce((a, b) => a + b.n, 0)).toBe(rows.length)
          table.forEach((b) => expect(b.predicted_min).toBeLessThanOrEqual(b.mean_predicted + 1e-12))
        },
      ),
    )
  })
})
