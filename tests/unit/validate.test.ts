import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { intParam, unknownKeys } from '../../worker/src/http/validate'

describe('unknownKeys', () => {
  it('finds nothing when the schema kept everything', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(unknownKeys(v, structuredClone(v))).toEqual([])
      }),
    )
  })

  it('names a key the schema dropped, at any depth', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue()), fc.string({ minLength: 1 }), (kept, extra) => {
        fc.pre(!Object.hasOwn(kept, extra))
        expect(unknownKeys({ ...kept, [extra]: 1 }, kept)).toEqual([extra])
        expect(unknownKeys({ outer: [{ ...kept, [extra]: 1 }] }, { outer: [kept] })).toEqual([`outer.0.${extra}`])
      }),
    )
  })

  it('takes no inherited name for known, with the schema doing the dropping', () => {
    const schema = z.object({ capture: z.object({ captureClicks: z.boolean() }) })
    const input = JSON.parse('{"capture":{"captureClicks":true,"toString":1},"__proto__":{"x":1},"constructor":2}')
    expect(unknownKeys(input, schema.parse(input))).toEqual(['capture.toString', '__proto__', 'constructor'])
  })

  it('stops at a bounded depth and count', () => {
    let deep: unknown = { x: 1 }
    for (let i = 0; i < 200_000; i++) deep = { a: deep }
    expect(unknownKeys(deep, deep)).toEqual([]) // no stack overflow on a pathologically deep body
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]))
    expect(unknownKeys(many, {})).toHaveLength(20)
  })
})

describe('intParam', () => {
  it('takes plain decimal integers in range and refuses every other spelling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (n) => {
        expect(intParam(0, 1000).parse(String(n))).toBe(n)
      }),
    )
    for (const s of ['0x10', '1e3', ' 5', '5 ', '+5', '5.0', '', '0b1', '١٢', '1001', '-1'])
      expect(intParam(0, 1000).safeParse(s).success, s).toBe(false)
  })
})
