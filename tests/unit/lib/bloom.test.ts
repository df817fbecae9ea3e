import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bloomOf, readBloom } from '../../../worker/src/lib/bloom'

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** Share of `probes` (none of them inserted) that the filter of `items` says it may hold. */
function falsePositiveRate(items: string[], probes: string[], maxChars?: number) {
  const bloom = readBloom(bloomOf(items, maxChars))!
  return probes.filter((p) => bloom.mayHold(p)).length / probes.length
}

describe('bloomOf / readBloom', () => {
  it('never misses an item it was built from (any strings, any count that fits)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 300 }), (items) => {
        const bloom = readBloom(bloomOf(items))
        expect(bloom).not.toBeNull()
        for (const item of items) expect(bloom!.mayHold(item)).toBe(true)
      }),
    )
  })

  it('says "not here" for about 99 % of absent items when they fit, and fits the R2 metadata room', () => {
    const encoded = bloomOf(ids('u:user-', 1000))!
    expect(encoded.length).toBeLessThanOrEqual(4096)
    expect(falsePositiveRate(ids('u:user-', 1000), ids('u:other-', 20000))).toBeLessThan(0.02)
    // 3,000 items (a backend object's users, anonymous ids and accounts) in the same room: coarser, still useful
    expect(falsePositiveRate(ids('x:', 3000), ids('y:', 20000))).toBeLessThan(0.2)
  })

  it('gives no filter when there is nothing to hold or too many items for the room', () => {
    expect(bloomOf([])).toBeNull()
    expect(bloomOf(ids('u:', 20000))).toBeNull()
    expect(bloomOf(ids('u:', 100), 32)).toBeNull()
  })

  it('reads nothing it did not write: missing, other versions and torn text are "no filter"', () => {
    for (const text of [undefined, null, '', 'b2.3.AAAA', 'b1.x.AAAA', 'b1.3.', 'b1.3.@@@@', 'b1.0.AAAA'])
      expect(readBloom(text)).toBeNull()
  })

  it('is deterministic: the same items give the same text in any order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 50 }), (items) => {
        expect(bloomOf([...items].reverse())).toBe(bloomOf(items))
      }),
    )
  })
})
