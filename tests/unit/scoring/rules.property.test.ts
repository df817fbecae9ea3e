import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { indicatorRuleSchema, RULE_METRICS } from '../../../shared/scoring'
import { evaluateRules, metricValue, type RuleInputs } from '../../../worker/src/scoring/indicators'

/** Random rollups for one account over the 90 days up to 2026-03-31, which started on 2026-01-01. */
const day = fc.integer({ min: 0, max: 89 }).map((i) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10))
const account: fc.Arbitrary<RuleInputs> = fc
  .record({
    daily: fc.array(fc.record({ day, logins: fc.nat(5), valueEvents: fc.nat(9), meaningful: fc.nat(3) }), { maxLength: 30 }),
    featureDays: fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), day, n: fc.nat(4) }), { maxLength: 30 }),
    eventDays: fc.array(fc.record({ name: fc.constantFrom('Message Sent', 'Other'), day, n: fc.nat(500) }), { maxLength: 10 }),
    userLastActive: fc.array(day, { maxLength: 8 }),
    healthScore: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    releasesBehind: fc.option(fc.nat(8), { nil: null }),
    seats: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
    activeUsers28: fc.nat(20),
  })
  .map((r) => ({ ...r, today: '2026-03-31', startDay: '2026-01-01', loadedFrom: '2025-10-01', coreKeys: new Set(['a', 'b']) }))

const condition = fc.record({
  metric: fc.constantFrom(...RULE_METRICS),
  value: fc.integer({ min: 0, max: 50 }),
  window: fc.option(fc.record({ days: fc.integer({ min: 1, max: 120 }), from: fc.constantFrom('now' as const, 'start' as const) }), {
    nil: undefined,
  }),
})
const ruleOf = (c: object) => indicatorRuleSchema.parse({ key: 'r', name: 'R', kind: 'risk', all: [{ event: 'Message Sent', ...c }] })

describe('rule language (property)', () => {
  it('fires exactly one of "< v" and ">= v" whenever the metric can be answered, and neither when it cannot', () => {
    fc.assert(
      fc.property(account, condition, (x, c) => {
        const below = evaluateRules([ruleOf({ ...c, op: '<' })], x, null).length
        const atLeast = evaluateRules([ruleOf({ ...c, op: '>=' })], x, null).length
        const answerable = metricValue(ruleOf({ ...c, op: '<' }).all[0]!, x) !== null
        expect(below + atLeast).toBe(answerable ? 1 : 0)
      }),
    )
  })

  it('never counts less over a longer window', () => {
    const counted = ['features_used', 'core_features_used', 'event_count', 'active_days', 'logins', 'value_events', 'active_users'] as const
    fc.assert(
      fc.property(
        account,
        fc.constantFrom(...counted),
        fc.integer({ min: 1, max: 59 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom('now' as const, 'start' as const),
        (x, metric, days, more, from) => {
          const at = (d: number) => metricValue(ruleOf({ metric, op: '<', value: 0, window: { days: d, from } }).all[0]!, x)
          const short = at(days)
          const long = at(days + more)
          if (short !== null && long !== null) expect(long).toBeGreaterThanOrEqual(short)
        },
      ),
    )
  })
})
