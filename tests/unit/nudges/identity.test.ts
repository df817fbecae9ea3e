import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { newIdentitySecret, unverifiedNudgeEvents, userHash, verifyUserHash } from '../../../worker/src/projects/identity'
import type { EventRow } from '../../../worker/src/ingest/normalize'

describe('identity verification hashes', () => {
  it('computes what a Node backend computes with createHmac', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string({ minLength: 1, maxLength: 200 }), async (secret, id) => {
        expect(await userHash(secret, id)).toBe(createHmac('sha256', secret).update(id).digest('hex'))
      }),
      { numRuns: 50 },
    )
  })

  it('verifies with the current or the previous secret only, case-insensitively', async () => {
    const [a, b, c] = [newIdentitySecret(), newIdentitySecret(), newIdentitySecret()]
    expect(a).toMatch(/^[0-9a-f]{64}$/)
    const h = await userHash(b, 'u1')
    expect(await verifyUserHash([a, b], 'u1', h)).toBe(true)
    expect(await verifyUserHash([a, b], 'u1', h.toUpperCase())).toBe(true)
    expect(await verifyUserHash([a, c], 'u1', h)).toBe(false)
    expect(await verifyUserHash([a, b], 'u2', h)).toBe(false)
    expect(await verifyUserHash([], 'u1', h)).toBe(false)
    for (const bad of [undefined, null, '', 'zz', h.slice(1), `${h}0`]) expect(await verifyUserHash([b], 'u1', bad)).toBe(false)
  })
})

describe('nudge interactions under identity verification', () => {
  const row = (name: string, userId: string, userHash?: string): EventRow => ({
    messageId: crypto.randomUUID(),
    type: 'track',
    kind: 'system',
    name,
    userId,
    anonymousId: null,
    accountId: null,
    featureKey: null,
    amount: null,
    meaningful: false,
    activeSeconds: 0,
    appVersion: null,
    ts: 0,
    properties: { nudge: 'tip', ...(userHash === undefined ? {} : { userHash }) },
    context: {},
  })

  it('refuses those without a valid hash when required, and strips the hash from every nudge row', async () => {
    const secret = newIdentitySecret()
    const good = row('$nudge_dismissed', 'u1', await userHash(secret, 'u1'))
    const forged = row('$nudge_dismissed', 'u2', await userHash(secret, 'u1'))
    const missing = row('$nudge_shown', 'u1')
    const other = row('Report Exported', 'u1')
    const refused = await unverifiedNudgeEvents([good, forged, missing, other], [secret])
    expect([...refused]).toEqual([forged, missing])
    expect(good.properties).toEqual({ nudge: 'tip' })
    expect(forged.properties).toEqual({ nudge: 'tip' })
  })

  it('refuses nothing when verification is off, and still strips the hash', async () => {
    const r = row('$nudge_shown', 'u1', 'ab'.repeat(32))
    expect((await unverifiedNudgeEvents([r], null)).size).toBe(0)
    expect(r.properties).toEqual({ nudge: 'tip' })
  })
})
