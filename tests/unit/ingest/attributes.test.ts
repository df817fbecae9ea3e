import { describe, expect, it } from 'vitest'
import type { EventRow } from '../../../worker/src/ingest/normalize'
import { trustedAttributes } from '../../../worker/src/ingest/attributes'

const row = (ts: number, accountId: string | null, traits: unknown, type: EventRow['type'] = 'group'): EventRow => ({
  messageId: `m${ts}`,
  type,
  kind: type === 'group' ? 'group' : 'track',
  name: null,
  userId: 'u',
  anonymousId: null,
  accountId,
  featureKey: null,
  amount: null,
  meaningful: false,
  activeSeconds: 0,
  appVersion: null,
  ts,
  properties: { traits },
  context: {},
})
const PROTECTED = ['arr', 'seats', 'renewal_date', 'owner', 'nps', 'contract']

describe('trustedAttributes (secret-key group calls)', () => {
  it('keeps only protected names, the latest value of each by time', () => {
    const out = trustedAttributes(
      [row(2, 'a', { arr: 2000 }), row(1, 'a', { arr: 1000, seats: 5, plan: 'pro' }), row(3, 'b', { owner: 'ann' })],
      PROTECTED,
    )
    expect(Object.fromEntries(out)).toEqual({ a: { arr: 2000, seats: 5 }, b: { owner: 'ann' } })
  })

  it.each([
    ['an object', { arr: { toString: 1 } }],
    ['a numeric string', { seats: '20' }],
    ['a fractional seat count', { seats: 2.5 }],
    ['a day that does not exist', { renewal_date: '2026-02-31' }],
    ['an NPS out of range', { nps: 101 }],
    ['an array for a custom name', { contract: [1] }],
  ])('ignores %s, as PATCH would refuse it', (_n, traits) => {
    expect(trustedAttributes([row(1, 'a', traits)], PROTECTED).size).toBe(0)
  })

  it('passes a null (removes the attribute) and short scalars for custom names', () => {
    expect(trustedAttributes([row(1, 'a', { owner: null, contract: 'gold' })], PROTECTED).get('a')).toEqual({
      owner: null,
      contract: 'gold',
    })
  })

  it('ignores events other than group, rows without an account, and traits that are not an object', () => {
    expect(trustedAttributes([row(1, 'a', { arr: 1 }, 'track'), row(2, null, { arr: 1 }), row(3, 'a', [1])], PROTECTED).size).toBe(0)
  })
})
