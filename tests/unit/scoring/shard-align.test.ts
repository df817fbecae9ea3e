import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { alignedShards, splitByShard } from '../../../worker/src/scoring/shard-split'
import { shardKeyOf, shardOf } from '../../../worker/src/shards/shard-of'

const stateShards = fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 128, 256)

describe('scoring shards aligned to the state shards', () => {
  it('is the least multiple of N not below the scoring shards (unchanged when the state is not sharded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), stateShards, (s, n) => {
        const a = alignedShards(s, n)
        if (n === 1) expect(a).toBe(s)
        else {
          expect(a % n).toBe(0)
          expect(a).toBeGreaterThanOrEqual(s)
          expect(a - s).toBeLessThan(n)
        }
      }),
    )
    expect(alignedShards(8, 4)).toBe(8)
    expect(alignedShards(10, 4)).toBe(12)
    expect(alignedShards(8, 16)).toBe(16)
  })

  it('puts every key of a scoring shard in one state shard: s mod N', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 60 }),
        fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 20 }),
        fc.integer({ min: 2, max: 40 }),
        stateShards,
        (accounts, loose, s, n) => {
          const shards = alignedShards(s, n)
          splitByShard(accounts, loose, shards).forEach((keys, i) => {
            for (const a of keys.accountIds) expect(shardOf(a, n)).toBe(i % n)
            for (const u of keys.looseUserIds) expect(shardOf(shardKeyOf(null, u), n)).toBe(i % n)
          })
        },
      ),
    )
  })
})
