import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nudgeDefinitionSchema } from '../../../shared/nudges'
import {
  decideNudges,
  type ConditionsHold,
  type DecisionAccount,
  type DecisionHistory,
  type DecisionMetrics,
  type NudgeState,
} from '../../../worker/src/nudges/decide'
import { toNudge, type Nudge } from '../../../worker/src/nudges/definition'
import { fnv1a, inHoldout } from '../../../worker/src/nudges/holdout'
import { conversionLift } from '../../../worker/src/nudges/lift'
import { segmentOf } from '../../../worker/src/scoring/segments'

const NOW = Date.parse('2026-06-01T12:00:00Z')
const DAY = 86_400_000
const nudge = (key: string, extra: Record<string, unknown> = {}): Nudge =>
  toNudge(
    key,
    nudgeDefinitionSchema.parse({ kind: 'banner', title: { default: key }, body: { default: 'b' }, holdout: { share: 0 }, ...extra }),
  )
const user = { id: 'u1', traits: { role: 'admin' }, firstSeen: NOW - 30 * DAY }
const account: DecisionAccount = {
  id: 'a1',
  traits: { plan: 'team' },
  segment: 'low_touch',
  band: 'yellow',
  healthScore: 55,
  breadth: 0.2,
  breadthCutoff: 0.3,
}
const metrics: DecisionMetrics = { usedFeatures: new Set(['used']), adoptedFeatures: new Set(['adopted']), breadth: 0.3 }
const history = (extra: Partial<DecisionHistory> = {}, states: Record<string, Partial<NudgeState>> = {}): DecisionHistory => ({
  states: new Map(
    Object.entries(states).map(([k, s]) => [
      k,
      { shows: 0, lastShownAt: null, dismissedAt: null, snoozedUntil: null, completedAt: null, ...s },
    ]),
  ),
  shownThisSession: 0,
  shownLast7Days: 0,
  inSession: new Set(),
  ...extra,
})
const caps = { maxPerSession: 5, maxPerWeek: 10 }
const conditionsHold: ConditionsHold = (attrs, all) => segmentOf(attrs, [{ key: 'x', name: 'x', all }]) !== null
const decide = (ns: Nudge[], h = history(), path = '/x', c = caps) =>
  decideNudges(user, account, metrics, ns, h, NOW, { path, caps: c, conditionsHold }).map((d) => `${d.nudge.key}:${d.outcome}`)

describe('decideNudges: eligibility', () => {
  it.each([
    ['an inactive nudge', { active: false }, false],
    ['a nudge not started yet', { start_at: '2026-06-02T00:00:00Z' }, false],
    ['an ended nudge', { end_at: '2026-05-01T00:00:00Z' }, false],
    ['another path', { targeting: { path: '/reports/**' } }, false],
    ['the matching path', { targeting: { path: '/x' } }, true],
    ['another segment', { targeting: { segments: ['high_touch'] } }, false],
    ['the account segment', { targeting: { segments: ['low_touch'] } }, true],
    ['another band', { targeting: { bands: ['red'] } }, false],
    ['a user attribute that holds', { targeting: { user_attributes: [{ attribute: 'role', op: '==', value: 'admin' }] } }, true],
    ['an account attribute that fails', { targeting: { account_attributes: [{ attribute: 'plan', op: '==', value: 'business' }] } }, false],
    ['a feature the user already used', { targeting: { feature_not_used: 'used' } }, false],
    ['a feature not used yet', { targeting: { feature_not_used: 'other' } }, true],
    ['too early after signup', { targeting: { min_days_since_signup: 60 } }, false],
    ['breadth below the threshold', { targeting: { max_breadth: 0.5 } }, true],
    ['breadth above the threshold', { targeting: { max_breadth: 0.2 } }, false],
    ['health above the threshold', { targeting: { max_health_score: 40 } }, false],
    ['breadth below the segment cutoff', { targeting: { breadth_below_segment_percentile: 25 } }, true],
    ['a target feature already adopted', { target_feature: 'adopted' }, false],
    ['a target feature not adopted', { target_feature: 'used' }, true],
  ])('%s → shown: %s', (_n, extra, shown) => {
    expect(decide([nudge('n', extra)])).toEqual(shown ? ['n:show'] : [])
  })
})

describe('decideNudges: segment-relative breadth', () => {
  it('needs the account breadth under the cutoff, and both to be known', () => {
    const n = nudge('n', { targeting: { breadth_below_segment_percentile: 25 } })
    const run = (a: Partial<DecisionAccount>) =>
      decideNudges(user, { ...account, ...a }, metrics, [n], history(), NOW, { path: '/', caps, conditionsHold }).length
    expect(run({ breadth: 0.4 })).toBe(0)
    expect(run({ breadth: null })).toBe(0)
    expect(run({ breadthCutoff: null })).toBe(0)
    expect(run({})).toBe(1)
  })
})

describe('decideNudges: state, caps and order', () => {
  it.each([
    ['dismissed', { dismissedAt: NOW - DAY }, false],
    ['completed', { completedAt: NOW - DAY }, false],
    ['snoozed until tomorrow', { snoozedUntil: NOW + DAY }, false],
    ['snooze over', { snoozedUntil: NOW - 1 }, true],
    ['shown the maximum number of times', { shows: 3, lastShownAt: NOW - 5 * DAY }, false],
    ['shown less than a day ago', { shows: 1, lastShownAt: NOW - 3600_000 }, false],
    ['shown two days ago', { shows: 1, lastShownAt: NOW - 2 * DAY }, true],
  ])('%s → shown: %s', (_n, state, shown) => {
    expect(decide([nudge('n')], history({}, { n: state }))).toEqual(shown ? ['n:show'] : [])
  })

  it('keeps a nudge already on screen this session despite its per-nudge interval', () => {
    expect(decide([nudge('n')], history({ inSession: new Set(['n']) }, { n: { shows: 1, lastShownAt: NOW - 60_000 } }))).toEqual(['n:show'])
  })

  it('orders by priority and applies the global per-session cap', () => {
    const ns = [nudge('low', { priority: 1 }), nudge('high', { priority: 500 }), nudge('mid', { priority: 50 })]
    expect(decide(ns)).toEqual(['high:show', 'mid:show', 'low:show'])
    expect(decide(ns, history(), '/x', { maxPerSession: 1, maxPerWeek: 10 })).toEqual(['high:show'])
    expect(decide(ns, history({ shownThisSession: 1 }), '/x', { maxPerSession: 1, maxPerWeek: 10 })).toEqual([])
    expect(decide(ns, history({ shownLast7Days: 10 }))).toEqual([])
  })

  it('puts at most one overlay (modal, tooltip, NPS) on screen', () => {
    const ns = [
      nudge('m', { kind: 'modal', priority: 9 }),
      nudge('t', { kind: 'tooltip', anchor: '#x', priority: 8 }),
      nudge('b', { priority: 1 }),
    ]
    expect(decide(ns)).toEqual(['m:show', 'b:show'])
  })

  it('holds out a stable share of accounts, always the same ones', () => {
    const n = nudge('h', { holdout: { share: 0.5, unit: 'account' } })
    const held = Array.from({ length: 2000 }, (_, i) => inHoldout(`acct-${i}`, 'h', 0.5)).filter(Boolean).length
    expect(held).toBeGreaterThan(900)
    expect(held).toBeLessThan(1100)
    const first = decideNudges(user, account, metrics, [n], history(), NOW, { path: '/', caps, conditionsHold })
    const again = decideNudges({ ...user, id: 'someone-else' }, account, metrics, [n], history(), NOW, { path: '/', caps, conditionsHold })
    expect(first[0].outcome).toBe(again[0].outcome) // same account → same group, whoever the user
    expect(fnv1a('a')).toBe(0xe40c292c)
  })
})

describe('conversionLift', () => {
  it('gives the difference of conversion rates with a 95% Newcombe hybrid score interval', () => {
    const l = conversionLift({ users: 400, converted: 120 }, { users: 100, converted: 15 })
    expect(l.shown.rate).toBe(0.3)
    expect(l.holdout.rate).toBe(0.15)
    expect(l.lift).toBe(0.15)
    // Wilson 120/400 and 15/100 combined by square-and-add (Newcombe 1998, method 10); Wald gave [0.0668, 0.2332]
    expect(l.ci95).toEqual([0.0567, 0.2236])
    expect(l.interval).toBe('newcombe_hybrid_score')
    expect(l.significant).toBe(true)
  })
  it('does not call 20/100 shown vs 0/5 held out significant (Wald did: [0.12, 0.28])', () => {
    const l = conversionLift({ users: 100, converted: 20 }, { users: 5, converted: 0 })
    expect(l.lift).toBe(0.2)
    expect(l.ci95).toEqual([-0.2396, 0.2888])
    expect(l.significant).toBe(false)
  })
  it('calls a large difference on real groups significant: 60/200 vs 10/200', () => {
    const l = conversionLift({ users: 200, converted: 60 }, { users: 200, converted: 10 })
    expect(l.ci95).toEqual([0.1787, 0.3205])
    expect(l.significant).toBe(true)
  })
  it('brackets the lift and is significant only when the interval excludes 0 (property)', () => {
    const group = fc
      .integer({ min: 1, max: 300 })
      .chain((n) => fc.record({ users: fc.constant(n), converted: fc.integer({ min: 0, max: n }) }))
    fc.assert(
      fc.property(group, group, (s, h) => {
        const l = conversionLift(s, h)
        expect(l.ci95![0]).toBeLessThanOrEqual(l.lift!)
        expect(l.ci95![1]).toBeGreaterThanOrEqual(l.lift!)
        if (l.significant) expect(l.ci95![0] >= 0 || l.ci95![1] <= 0).toBe(true)
        else expect(l.ci95![0] <= 0 && l.ci95![1] >= 0).toBe(true)
      }),
    )
  })
  it('has no lift without a holdout group', () => {
    expect(conversionLift({ users: 10, converted: 5 }, { users: 0, converted: 0 }).lift).toBeNull()
  })
})

describe('nudge definitions', () => {
  it.each([
    [{ kind: 'tooltip', title: { default: 't' }, body: { default: 'b' } }, /anchor/],
    [{ kind: 'checklist', title: { default: 't' }, body: { default: 'b' } }, /steps/],
    [{ kind: 'banner', title: { en: 't' }, body: { default: 'b' } }, /default/],
    [{ kind: 'banner', title: { default: 't' }, body: { default: 'b' }, holdout: { share: 0.9 } }, /share/],
  ])('refuses %j', (input, message) => {
    const r = nudgeDefinitionSchema.safeParse(input)
    expect(r.success).toBe(false)
    expect(JSON.stringify(r.error?.issues)).toMatch(message)
  })
})
