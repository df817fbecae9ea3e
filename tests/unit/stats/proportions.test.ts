import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { newcombeDifferenceInterval, wilsonInterval } from '../../../worker/src/lib/stats'

const round4 = ([a, b]: [number, number]) => [Math.round(a * 1e4) / 1e4, Math.round(b * 1e4) / 1e4]

describe('wilsonInterval', () => {
  it('matches the closed form at the edges: 0/5 → [0, 0.4345], 5/5 → [0.5655, 1]', () => {
    expect(round4(wilsonInterval(0, 5)!)).toEqual([0, 0.4345])
    expect(round4(wilsonInterval(5, 5)!)).toEqual([0.5655, 1])
    expect(wilsonInterval(0, 0)).toBeNull()
  })
  it('always contains the observed proportion and stays inside [0, 1] (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const x = Math.round(f * n)
        const [lo, hi] = wilsonInterval(x, n)!
        expect(lo).toBeGreaterThanOrEqual(0)
        expect(hi).toBeLessThanOrEqual(1)
        expect(lo).toBeLessThanOrEqual(x / n + 1e-12)
        expect(hi).toBeGreaterThanOrEqual(x / n - 1e-12)
      }),
    )
  })
})

describe('newcombeDifferenceInterval (Newcombe 1998, method 10)', () => {
  // Newcombe (1998) Stat Med 17:873, Table II, method 10 column
  it.each([
    [56, 70, 48, 80, [0.0524, 0.3339]],
    [9, 10, 3, 10, [0.1705, 0.809]],
    [5, 56, 0, 29, [-0.0381, 0.1926]],
    [0, 10, 0, 20, [-0.1611, 0.2775]],
    [0, 10, 0, 10, [-0.2775, 0.2775]],
    [10, 10, 0, 20, [0.6791, 1]],
    [10, 10, 0, 10, [0.6075, 1]],
  ] as const)('%i/%i − %i/%i has the published interval %j', (x1, n1, x2, n2, ci) => {
    expect(round4(newcombeDifferenceInterval(x1, n1, x2, n2)!.ci)).toEqual(ci)
  })

  it('is null when a group is empty', () => {
    expect(newcombeDifferenceInterval(3, 10, 0, 0)).toBeNull()
  })

  it('contains the observed difference, stays in [−1, 1], and mirrors when the groups swap (property)', () => {
    const group = fc.integer({ min: 1, max: 400 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)))
    fc.assert(
      fc.property(group, group, ([x1, n1], [x2, n2]) => {
        const r = newcombeDifferenceInterval(x1, n1, x2, n2)!
        const s = newcombeDifferenceInterval(x2, n2, x1, n1)!
        expect(r.ci[0]).toBeLessThanOrEqual(r.difference + 1e-12)
        expect(r.ci[1]).toBeGreaterThanOrEqual(r.difference - 1e-12)
        expect(r.ci[0]).toBeGreaterThanOrEqual(-1)
        expect(r.ci[1]).toBeLessThanOrEqual(1)
        expect(s.ci[0]).toBeCloseTo(-r.ci[1], 12)
        expect(s.ci[1]).toBeCloseTo(-r.ci[0], 12)
      }),
    )
  })
})
