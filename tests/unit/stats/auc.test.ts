import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { auc, aucWithSe } from '../../../worker/src/lib/stats'

/** O(n²) definition: share of positive-negative pairs ranked right, ties counting a half. */
const pairwise = (s: number[], l: number[]) => {
  let wins = 0,
    pairs = 0
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++)
      if (l[i] && !l[j]) {
        pairs++
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0
      }
  return wins / pairs
}

describe('auc (Mann–Whitney with ties)', () => {
  it('is 0.8125 on a small tied example (scipy mannwhitneyu U / n1·n0)', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2], [0, 0, 1, 1, 1, 0, 1, 0])).toBe(0.8125)
  })

  it('is null when every label is one class', () => {
    expect(auc([1, 2, 3], [1, 1, 1])).toBeNull()
    expect(auc([1, 2, 3], [false, false, false])).toBeNull()
    expect(auc([], [])).toBeNull()
  })

  it('gives the Hanley–McNeil standard error: 0.0380 for AUC 0.8 with 50 positives and 50 negatives', () => {
    // Q1 = .8/1.2 = .6667, Q2 = 1.28/1.8 = .7111; SE² = (.16 + 49·.0267 + 49·.0711)/2500
    const scores = [...Array.from({ length: 50 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => i - 15.5)]
    const labels = [...Array(50).fill(1), ...Array(50).fill(0)]
    const r = aucWithSe(scores, labels)!
    expect(r.auc).toBeCloseTo(pairwise(scores, labels), 12)
    const a = r.auc
    const q1 = a / (2 - a),
      q2 = (2 * a * a) / (1 + a)
    expect(r.se).toBeCloseTo(Math.sqrt((a * (1 - a) + 49 * (q1 - a * a) + 49 * (q2 - a * a)) / 2500), 12)
  })

  it('equals the pairwise definition, lies in [0, 1], and flips to 1 − AUC when scores are negated (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.boolean()), { minLength: 2, maxLength: 60 }), (rows) => {
        const s = rows.map((r) => r[0]),
          l = rows.map((r) => (r[1] ? 1 : 0))
        const a = auc(s, l)
        if (!l.some(Boolean) || l.every(Boolean)) {
          expect(a).toBeNull()
          return
        }
        expect(a!).toBeCloseTo(pairwise(s, l), 12)
        expect(
          auc(
            s.map((x) => -x),
            l,
          )!,
        ).toBeCloseTo(1 - a!, 12)
      }),
    )
  })

  it('does not change under a strictly increasing transform of the scores (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.boolean()), { minLength: 2, maxLength: 40 }), (rows) => {
        const s = rows.map((r) => r[0]),
          l = rows.map((r) => r[1])
        expect(
          auc(
            s.map((x) => x ** 3 + 3 * x - 7),
            l,
          ),
        ).toBe(auc(s, l))
      }),
    )
  })
})
