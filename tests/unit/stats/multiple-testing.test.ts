import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { benjaminiHochberg } from '../../../worker/src/lib/stats'

describe('benjaminiHochberg', () => {
  it('adjusts as scipy.stats.false_discovery_control does', () => {
    const { adjusted, rejected } = benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.041], 0.05)
    expect(adjusted.map((a) => Math.round(a * 1e4) / 1e4)).toEqual([0.035, 0.0574, 0.0574, 0.035, 0.2333, 0.5, 0.0574])
    expect(rejected).toEqual([true, false, false, true, false, false, false])
  })

  it('rejects nothing among many null p-values that one raw 0.04 would', () => {
    const ps = [0.04, ...Array.from({ length: 19 }, (_, i) => 0.1 + i * 0.045)]
    expect(benjaminiHochberg(ps, 0.1).rejected.some(Boolean)).toBe(false)
  })

  it('refuses p-values outside [0, 1] and a q outside (0, 1]', () => {
    expect(() => benjaminiHochberg([1.2])).toThrow(RangeError)
    expect(() => benjaminiHochberg([Number.NaN])).toThrow(RangeError)
    expect(() => benjaminiHochberg([0.1], 0)).toThrow(RangeError)
  })

  it('is monotone in p, never below p, at most 1, and rejects a prefix of the sorted p-values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 50 }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (ps, q) => {
          const { adjusted, rejected } = benjaminiHochberg(ps, q)
          ps.forEach((p, i) => {
            expect(adjusted[i]).toBeGreaterThanOrEqual(p)
            expect(adjusted[i]).toBeLessThanOrEqual(1)
            ps.forEach((p2, j) => {
              if (p <= p2) expect(adjusted[i]).toBeLessThanOrEqual(adjusted[j])
              if (p <= p2 && rejected[j]) expect(rejected[i]).toBe(true)
            })
          })
        },
      ),
    )
  })
})
