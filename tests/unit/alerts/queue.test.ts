import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  alertPriority,
  applyQueueChange,
  effectiveStatus,
  rankQueue,
  type PriorityInput,
  type QueueAccount,
  type QueueAlert,
} from '../../../worker/src/alerts/queue'

const DAY = 86_400_000
const NOW = Date.parse('2026-06-01T12:00:00Z')

const input = fc.record({
  score: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
  arr: fc.option(fc.double({ min: 0, max: 5e6, noNaN: true }), { nil: null }),
  renewalInDays: fc.option(fc.integer({ min: -400, max: 400 }), { nil: null }),
})

describe('alertPriority', () => {
  it('puts a red, large account renewing soon above a green, small one renewing late', () => {
    const urgent = alertPriority({ score: 28, arr: 240_000, renewalInDays: 14 })
    const calm = alertPriority({ score: 86, arr: 6_000, renewalInDays: 170 })
    expect(urgent.priority).toBeGreaterThan(calm.priority)
    expect(urgent.reasons).toEqual(['health 28', 'ARR 240k', 'renews in 14 days'])
    expect(calm.reasons).toEqual(['renews in 170 days'])
  })

  it('gives the worked numbers: weights 50 health, 30 ARR (log scale to 1M), 20 renewal (180 days)', () => {
    expect(alertPriority({ score: 100, arr: null, renewalInDays: null }).priority).toBe(0)
    expect(alertPriority({ score: 0, arr: 1_000_000, renewalInDays: 0 }).priority).toBe(100)
    // unscored counts as middling health; a passed renewal adds nothing
    expect(alertPriority({ score: null, arr: null, renewalInDays: -3 })).toEqual({ priority: 25, reasons: ['no health score yet'] })
    expect(alertPriority({ score: 50, arr: null, renewalInDays: 90 }).priority).toBe(35)
  })

  it('stays within 0-100 for any input', () => {
    fc.assert(
      fc.property(input, (x) => {
        const { priority } = alertPriority(x)
        return priority >= 0 && priority <= 100
      }),
    )
  })

  it('never ranks an account lower for a lower score, a higher ARR or a nearer renewal', () => {
    const p = (x: PriorityInput) => alertPriority(x).priority
    fc.assert(
      fc.property(
        input,
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.integer({ min: 0, max: 400 }),
        (x, drop, more, sooner) => {
          if (x.score !== null) expect(p({ ...x, score: Math.max(0, x.score - drop) })).toBeGreaterThanOrEqual(p(x))
          expect(p({ ...x, arr: (x.arr ?? 0) + more })).toBeGreaterThanOrEqual(p(x))
          if (x.renewalInDays !== null && x.renewalInDays >= 0)
            expect(p({ ...x, renewalInDays: Math.max(0, x.renewalInDays - sooner) })).toBeGreaterThanOrEqual(p(x))
        },
      ),
    )
  })

  it('ranks strictly by health when ARR and renewal are equal and the scores differ by a point or more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 100 }), input, (low, gap, x) => {
        const high = Math.min(100, low + gap)
        if (high === low) return true
        return alertPriority({ ...x, score: low }).priority > alertPriority({ ...x, score: high }).priority
      }),
    )
  })
})

describe('the queue state', () => {
  it('reads a snoozed alert whose time has passed as open', () => {
    expect(effectiveStatus({ status: 'snoozed', snoozedUntil: NOW - 1 }, NOW)).toBe('open')
    expect(effectiveStatus({ status: 'snoozed', snoozedUntil: NOW + DAY }, NOW)).toBe('snoozed')
    expect(effectiveStatus({ status: 'done', snoozedUntil: null }, NOW)).toBe('done')
  })

  const open = { status: 'open' as const, snoozedUntil: null, doneAt: null }

  it('snoozes with a future time (status implied), wakes on null, closes with done_at kept on a repeat', () => {
    expect(applyQueueChange(open, { snoozedUntil: NOW + DAY }, NOW)).toEqual({ status: 'snoozed', snoozedUntil: NOW + DAY, doneAt: null })
    const snoozed = { status: 'snoozed' as const, snoozedUntil: NOW + DAY, doneAt: null }
    expect(applyQueueChange(snoozed, { snoozedUntil: null }, NOW)).toEqual({ status: 'open', snoozedUntil: null, doneAt: null })
    expect(applyQueueChange(snoozed, { status: 'done' }, NOW)).toEqual({ status: 'done', snoozedUntil: null, doneAt: NOW })
    const done = { status: 'done' as const, snoozedUntil: null, doneAt: NOW - DAY }
    expect(applyQueueChange(done, { status: 'done' }, NOW)).toEqual({ status: 'done', snoozedUntil: null, doneAt: NOW - DAY })
    expect(applyQueueChange(done, { status: 'open' }, NOW)).toEqual({ status: 'open', snoozedUntil: null, doneAt: null })
    // an owner-only change keeps the state
    expect(applyQueueChange(done, {}, NOW)).toEqual({ status: 'done', snoozedUntil: null, doneAt: NOW - DAY })
  })

  it('refuses a snooze without a time, in the past, beyond a year, or beside another status', () => {
    expect(applyQueueChange(open, { status: 'snoozed' }, NOW)).toHaveProperty('problem')
    expect(applyQueueChange(open, { snoozedUntil: NOW - 1 }, NOW)).toHaveProperty('problem')
    expect(applyQueueChange(open, { snoozedUntil: NOW + 400 * DAY }, NOW)).toHaveProperty('problem')
    expect(applyQueueChange(open, { status: 'done', snoozedUntil: NOW + DAY }, NOW)).toHaveProperty('problem')
  })
})

describe('rankQueue', () => {
  const alert = (id: number, accountId: string, extra: Partial<QueueAlert> = {}): QueueAlert => ({
    id,
    accountId,
    createdAt: NOW - id * 1000,
    status: 'open',
    snoozedUntil: null,
    owner: null,
    ...extra,
  })
  const accounts = new Map<string, QueueAccount>([
    ['globex', { score: 31, arr: 180_000, renewalDate: '2026-06-20', owner: 'dana@ledgerly.test' }],
    ['initech', { score: 82, arr: 12_000, renewalDate: '2026-11-01', owner: 'mem_sam' }],
    ['umbrella', { score: 55, arr: 60_000, renewalDate: null, owner: null }],
  ])
  const alerts = [alert(1, 'initech'), alert(2, 'globex'), alert(3, 'umbrella'), alert(4, 'initech', { owner: 'mem_dana' })]
  const dana = { id: 'mem_dana', email: 'dana@ledgerly.test' }

  it('orders by priority (then newest) or newest first', () => {
    const rec = rankQueue(alerts, accounts, { owner: null, order: 'recommended', limit: 10, now: NOW })
    expect(rec.map((r) => r.alert.id)).toEqual([2, 3, 1, 4])
    expect(rankQueue(alerts, accounts, { owner: null, order: 'newest', limit: 2, now: NOW }).map((r) => r.alert.id)).toEqual([1, 2])
  })

  it("defaults the owner to the account's owner and filters by member id or email, none, or text", () => {
    const mine = rankQueue(alerts, accounts, { owner: { member: dana }, order: 'newest', limit: 10, now: NOW })
    expect(mine.map((r) => [r.alert.id, r.owner])).toEqual([
      [2, 'dana@ledgerly.test'],
      [4, 'mem_dana'],
    ])
    expect(rankQueue(alerts, accounts, { owner: { none: true }, order: 'newest', limit: 10, now: NOW }).map((r) => r.alert.id)).toEqual([3])
    expect(
      rankQueue(alerts, accounts, { owner: { text: 'MEM_SAM' }, order: 'newest', limit: 10, now: NOW }).map((r) => r.alert.id),
    ).toEqual([1])
  })

  it('gives an alert of an unknown account a middling priority and no owner', () => {
    const [r] = rankQueue([alert(9, 'gone')], accounts, { owner: null, order: 'recommended', limit: 10, now: NOW })
    expect(r).toMatchObject({ owner: null, priority: 25, status: 'open' })
  })
})
