import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rollupDecrements, splitLines, type ArchivedLine } from '../../../worker/src/accounts/erasure'

const DAY = 86_400_000
const T0 = Date.parse('2026-03-10T12:00:00Z')

const line = (over: Partial<ArchivedLine>): ArchivedLine => ({
  message_id: crypto.randomUUID(),
  type: 'track',
  kind: 'track',
  name: 'Report Exported',
  user_id: null,
  anonymous_id: null,
  account_id: null,
  feature_key: null,
  amount: null,
  meaningful: false,
  active_seconds: 0,
  ts: T0,
  ...over,
})

describe('splitLines', () => {
  it("removes the user's lines and anonymous lines sharing its anonymous id, seen before or in the same object", () => {
    const lines = [
      line({ anonymous_id: 'a1' }),
      line({ user_id: 'u1', anonymous_id: 'a1' }),
      line({ anonymous_id: 'a2' }),
      line({ user_id: 'u2', anonymous_id: 'a3' }),
      line({ anonymous_id: 'a0' }),
      line({ user_id: 'u2', anonymous_id: 'a0' }),
    ]
    const s = splitLines(lines, { userIds: new Set(['u1']), accountId: null }, new Set(['a0']))
    expect(s.removed).toEqual([lines[0], lines[1], lines[4]])
    expect(s.kept).toEqual([lines[2], lines[3], lines[5]])
    expect(s.newAnonymousIds).toEqual(['a1'])
  })

  it("for an account also removes anyone's lines sent inside it, and no one's anonymous ids but its users'", () => {
    const lines = [
      line({ user_id: 'u4', anonymous_id: 'a4', account_id: 'acme' }),
      line({ user_id: 'u4', account_id: 'globex' }),
      line({ anonymous_id: 'a4' }),
    ]
    const s = splitLines(lines, { userIds: new Set(['u1']), accountId: 'acme' }, new Set())
    expect(s.removed).toEqual([lines[0]])
    expect(s.newAnonymousIds).toEqual([])
  })

  it('partitions the lines in order, and keeps every line of a user not erased that was not sent inside the account', () => {
    const arb = fc.array(
      fc.record({
        user_id: fc.constantFrom(null, 'u1', 'u2', 'u3'),
        anonymous_id: fc.constantFrom(null, 'a1', 'a2'),
        account_id: fc.constantFrom(null, 'acme', 'globex'),
      }),
      { maxLength: 40 },
    )
    fc.assert(
      fc.property(arb, fc.boolean(), (fields, byAccount) => {
        const lines = fields.map((f) => line(f))
        const target = { userIds: new Set(['u1']), accountId: byAccount ? 'acme' : null }
        const s = splitLines(lines, target, new Set())
        expect([...s.kept, ...s.removed].length).toBe(lines.length)
        expect(s.kept).toEqual(lines.filter((l) => !s.removed.includes(l)))
        for (const l of s.kept) {
          expect(l.user_id).not.toBe('u1')
          if (byAccount) expect(l.account_id).not.toBe('acme')
        }
        for (const l of s.removed) if (l.user_id !== null && l.user_id !== 'u1') expect(l.account_id).toBe(target.accountId)
      }),
    )
  })
})

describe('rollupDecrements', () => {
  it('sums per rollup key what ingest added per line, for the users who stay only', () => {
    const removed = [
      line({ user_id: 'u4', kind: 'value', amount: 30, meaningful: true, feature_key: 'billing', active_seconds: 5 }),
      line({ user_id: 'u4', kind: 'login', name: 'Logged In' }),
      line({ user_id: 'u4', type: 'identify', kind: 'identify', name: null, ts: T0 - DAY }),
      line({ user_id: 'u1', kind: 'value', amount: 99 }),
      line({ anonymous_id: 'a9', type: 'page', name: 'Home' }),
    ]
    const d = rollupDecrements(removed, (u) => u !== 'u1')
    expect(d.userDays).toEqual([
      ['u4', '2026-03-10', 2, 1, 1, 1, 30, 5],
      ['u4', '2026-03-09', 1, 0, 0, 0, 0, 0],
    ])
    expect(d.eventDays).toEqual([
      ['u4', 'Report Exported', '2026-03-10', 1, 30],
      ['u4', 'Logged In', '2026-03-10', 1, 0],
    ])
    expect(d.featureDays).toEqual([['u4', 'billing', '2026-03-10', 1, 30]])
  })
})
