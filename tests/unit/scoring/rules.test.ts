import { describe, expect, it } from 'vitest'
import { indicatorRuleSchema, scoringConfigSchema } from '../../../shared/scoring'
import { DEFAULT_CONFIG, PRESET_RULES } from '../../../worker/src/scoring/defaults'
import { evaluateRules, metricValue, type RuleInputs } from '../../../worker/src/scoring/indicators'

/** An account started on 2026-01-01, scored on 2026-03-31 (day 89), rollups loaded from its start. */
function inputs(over: Partial<RuleInputs> = {}): RuleInputs {
  return {
    today: '2026-03-31',
    startDay: '2026-01-01',
    loadedFrom: '2025-10-01',
    daily: [],
    featureDays: [],
    eventDays: [],
    userLastActive: [],
    coreKeys: new Set(['a', 'b', 'c']),
    healthScore: 55,
    releasesBehind: 1,
    seats: 10,
    activeUsers28: 4,
    ...over,
  }
}
const rule = (all: unknown[], extra: object = {}) => indicatorRuleSchema.parse({ key: 'r', name: 'R', kind: 'risk', all, ...extra })
const preset = (key: string) => PRESET_RULES.find((r) => r.key === key)!

describe('rule language: parsing', () => {
  it('accepts the shipped presets and the default config', () => {
    for (const r of PRESET_RULES) expect(indicatorRuleSchema.safeParse(r).success).toBe(true)
    expect(scoringConfigSchema.safeParse(DEFAULT_CONFIG).success).toBe(true)
  })

  it('defaults the window to "now" and critical to false', () => {
    const r = rule([{ metric: 'logins', op: '<', value: 3, window: { days: 30 } }])
    expect(r.all[0]!.window).toEqual({ days: 30, from: 'now' })
    expect(r.critical).toBe(false)
  })

  it.each([
    ['an unknown metric', [{ metric: 'sessions', op: '<', value: 1 }]],
    ['an unknown operator', [{ metric: 'logins', op: '!=', value: 1 }]],
    ['event_count without an event name', [{ metric: 'event_count', op: '>=', value: 2000 }]],
    ['a window over a year', [{ metric: 'logins', op: '<', value: 1, window: { days: 400 } }]],
    ['a window from an unknown anchor', [{ metric: 'logins', op: '<', value: 1, window: { days: 7, from: 'renewal' } }]],
    ['no conditions', []],
  ])('rejects %s', (_, all) => {
    expect(indicatorRuleSchema.safeParse({ key: 'r', name: 'R', kind: 'risk', all }).success).toBe(false)
  })

  it('rejects a key with spaces and an unknown kind', () => {
    const all = [{ metric: 'logins', op: '<', value: 1 }]
    expect(indicatorRuleSchema.safeParse({ key: 'bad key', name: 'R', kind: 'risk', all }).success).toBe(false)
    expect(indicatorRuleSchema.safeParse({ key: 'r', name: 'R', kind: 'alarm', all }).success).toBe(false)
  })
})

describe('rule language: metrics over windows', () => {
  const featureDays = [
    { key: 'a', day: '2026-01-05', n: 3 },
    { key: 'x', day: '2026-01-20', n: 1 },
    { key: 'b', day: '2026-03-20', n: 2 },
    { key: 'c', day: '2026-03-30', n: 0 },
  ]
  const daily = [
    { day: '2026-01-02', logins: 2, valueEvents: 1, meaningful: 4 },
    { day: '2026-03-25', logins: 1, valueEvents: 5, meaningful: 0 },
    { day: '2026-03-31', logins: 3, valueEvents: 2, meaningful: 6 },
  ]
  const x = inputs({ featureDays, daily })
  const value = (c: object) => metricValue(rule([c]).all[0]!, x)

  it('counts distinct features used, and core ones, in the first N days of the account', () => {
    expect(value({ metric: 'features_used', op: '<', value: 5, window: { days: 60, from: 'start' } })).toBe(2)
    expect(value({ metric: 'core_features_used', op: '<', value: 5, window: { days: 60, from: 'start' } })).toBe(1)
    expect(value({ metric: 'core_features_total', op: '<', value: 5 })).toBe(3)
  })

  it('counts the last N days inclusive of today, and ignores zero-use rows', () => {
    expect(value({ metric: 'features_used', op: '<', value: 5, window: { days: 12 } })).toBe(1)
    expect(value({ metric: 'logins', op: '<', value: 5, window: { days: 7 } })).toBe(4)
    expect(value({ metric: 'value_events', op: '<', value: 5, window: { days: 7 } })).toBe(7)
    expect(value({ metric: 'active_days', op: '<', value: 5, window: { days: 7 } })).toBe(1)
    expect(value({ metric: 'logins', op: '<', value: 5 })).toBe(6)
  })

  it('cannot answer a from-start window when the start is older than the loaded rollups', () => {
    const old = inputs({ startDay: '2025-06-01' })
    expect(metricValue(rule([{ metric: 'features_used', op: '<', value: 5, window: { days: 60, from: 'start' } }]).all[0]!, old)).toBeNull()
  })

  it('answers active_users only within the 60 days the rollups keep per user', () => {
    const y = inputs({ userLastActive: ['2026-03-30', '2026-03-01', '2026-02-01'] })
    expect(metricValue(rule([{ metric: 'active_users', op: '<', value: 3, window: { days: 28 } }]).all[0]!, y)).toBe(1)
    expect(metricValue(rule([{ metric: 'active_users', op: '<', value: 3, window: { days: 90 } }]).all[0]!, y)).toBeNull()
  })

  it('derives account age and seat use', () => {
    expect(value({ metric: 'account_age_days', op: '>=', value: 60 })).toBe(89)
    expect(value({ metric: 'seats_used_ratio', op: '>=', value: 1 })).toBeCloseTo(0.4)
    expect(metricValue(rule([{ metric: 'seats_used_ratio', op: '>=', value: 1 }]).all[0]!, inputs({ seats: null }))).toBeNull()
  })
})

describe('rule language: evaluation', () => {
  it("fires HubSpot's indicator: fewer than 5 features in the first 60 days, once the account is 60 days old", () => {
    const fewFeatures = inputs({
      featureDays: [
        { key: 'a', day: '2026-01-03', n: 1 },
        { key: 'b', day: '2026-02-01', n: 1 },
      ],
    })
    const fired = evaluateRules([preset('hubspot.low_breadth_first_60d')], fewFeatures, null)
    expect(fired).toEqual([
      {
        key: 'hubspot.low_breadth_first_60d',
        name: expect.any(String),
        kind: 'risk',
        critical: false,
        values: { features_used: 2, account_age_days: 89 },
      },
    ])
    // too young to judge: the 60-day window is not over yet
    expect(evaluateRules([preset('hubspot.low_breadth_first_60d')], { ...fewFeatures, startDay: '2026-03-01' }, null)).toEqual([])
    // five features in the window: healthy breadth
    const five = ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, day: '2026-02-10', n: 1 }))
    expect(evaluateRules([preset('hubspot.low_breadth_first_60d')], inputs({ featureDays: five }), null)).toEqual([])
  })

  it('fires the Slack-style volume opportunity at exactly 2,000 events, counting only the named event', () => {
    const r = preset('slack.message_volume')
    const at = (n: number) =>
      inputs({
        eventDays: [
          { name: 'Invoice Created', day: '2026-03-01', n },
          { name: 'Page Viewed', day: '2026-03-01', n: 5000 },
        ],
      })
    expect(evaluateRules([r], at(1999), null)).toEqual([])
    expect(evaluateRules([r], at(2000), null)[0]).toMatchObject({ kind: 'opportunity', values: { 'event_count:Invoice Created': 2000 } })
  })

  it('needs every condition to hold', () => {
    const r = rule([
      { metric: 'health_score', op: '<', value: 60 },
      { metric: 'releases_behind', op: '>', value: 3 },
    ])
    expect(evaluateRules([r], inputs(), null)).toEqual([])
    expect(evaluateRules([r], inputs({ releasesBehind: 5 }), null)).toHaveLength(1)
  })

  it('does not fire a rule whose metric cannot be answered', () => {
    const r = rule([{ metric: 'health_score', op: '<', value: 60 }])
    expect(evaluateRules([r], inputs({ healthScore: null }), null)).toEqual([])
  })

  it('applies a segment-scoped rule only to accounts in that segment', () => {
    const r = rule([{ metric: 'health_score', op: '<', value: 60 }], { segment: 'high_touch' })
    expect(evaluateRules([r], inputs(), 'high_touch')).toHaveLength(1)
    expect(evaluateRules([r], inputs(), 'tech_touch')).toEqual([])
    expect(evaluateRules([r], inputs(), null)).toEqual([])
  })

  it.each([
    ['<', 55, false],
    ['<=', 55, true],
    ['>', 54, true],
    ['>=', 56, false],
    ['==', 55, true],
  ] as const)('compares with %s against %s: %s', (op, value, fires) => {
    expect(evaluateRules([rule([{ metric: 'health_score', op, value }])], inputs(), null).length > 0).toBe(fires)
  })
})
