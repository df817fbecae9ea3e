import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fnv1a32, shardKeyOf, shardOf } from '../../../worker/src/shards/shard-of'

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors, over UTF-8 bytes', () => {
    // vectors from the FNV reference (draft-eastlake-fnv, test suite): "", "a", "foobar"
    expect(fnv1a32('')).toBe(0x811c9dc5)
    expect(fnv1a32('a')).toBe(0xe40c292c)
    expect(fnv1a32('foobar')).toBe(0xbf9cf968)
    // "é" is two UTF-8 bytes (0xc3 0xa9), not one UTF-16 unit
    expect(fnv1a32('é')).toBe(Math.imul(Math.imul(0x811c9dc5 ^ 0xc3, 0x01000193) ^ 0xa9, 0x01000193) >>> 0)
  })
})

describe('shardOf', () => {
  it('is stable and always in [0, shards)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64, unit: 'binary' }), fc.integer({ min: 1, max: 4096 }), (key, shards) => {
        const shard = shardOf(key, shards)
        expect(Number.isInteger(shard)).toBe(true)
        expect(shard).toBeGreaterThanOrEqual(0)
        expect(shard).toBeLessThan(shards)
        expect(shardOf(key, shards)).toBe(shard)
      }),
    )
  }, 30_000)

  it('puts every key in shard 0 of 1, and refines by powers of two (shard mod n of 2n equals shard of n)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), fc.constantFrom(1, 2, 4, 8, 16), (key, n) => {
        expect(shardOf(key, 1)).toBe(0)
        expect(shardOf(key, 2 * n) % n).toBe(shardOf(key, n))
      }),
    )
  })

  it('spreads 10,000 account ids over 8 shards within ±15 % of even', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { minLength: 10_000, maxLength: 10_000 }), (ids) => {
        const counts = new Array<number>(8).fill(0)
        for (const id of ids) counts[shardOf(id, 8)]++
        for (const count of counts) expect(Math.abs(count - 1250)).toBeLessThanOrEqual(1250 * 0.15)
      }),
      { numRuns: 5 },
    )
    // sequential ids (acct_1 … acct_10000) too: the common shape of a vendor's own account keys
    const counts = new Array<number>(8).fill(0)
    for (let i = 1; i <= 10_000; i++) counts[shardOf(`acct_${i}`, 8)]++
    for (const count of counts) expect(Math.abs(count - 1250)).toBeLessThanOrEqual(1250 * 0.15)
    // generating 10,000 unique ids a run is slow on a loaded 2-core machine
  }, 60_000)

  it('rejects a shard count that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => shardOf('a', bad)).toThrow(RangeError)
  })
})

describe('shardKeyOf', () => {
  it('is the account id, or user:<id> for a user with no account', () => {
    expect(shardKeyOf('acct_1', 'u1')).toBe('acct_1')
    expect(shardKeyOf(null, 'u1')).toBe('user:u1')
    expect(shardKeyOf(undefined, 'u1')).toBe('user:u1')
    expect(shardKeyOf('', 'u1')).toBe('user:u1')
  })
})
