import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nudgeDefinitionSchema } from '../../../shared/nudges'
import { decideNudges } from '../../../worker/src/nudges/decide'
import { toNudge } from '../../../worker/src/nudges/definition'
import type { ScoringInputs } from '../../../worker/src/scoring/inputs'
import { DAY_MS } from '../../../worker/src/lib/days'
import {
  accountNps,
  dateAttr,
  effectiveAttributes,
  numberAttr,
  parseAttributes,
  scalarAttr,
  stringAttr,
} from '../../../worker/src/scoring/attributes'
import { DEFAULT_CONFIG } from '../../../worker/src/scoring/defaults'
import { scoreProject } from '../../../worker/src/scoring/project'
import { conditionsHold, segmentOf } from '../../../worker/src/scoring/segments'

const POISON = { toString: 1, valueOf: 1 }
const NOW = Date.parse('2026-06-01T12:00:00Z')

describe('attribute readers: a wrongly typed value is missing', () => {
  it.each([
    [42, 42, null, null],
    [0, 0, null, null],
    ['42', null, '42', null],
    [POISON, null, null, null],
    [[1, 2], null, null, null],
    [Number.NaN, null, null, null],
    [null, null, null, null],
    [true, null, null, null],
    ['2026-07-01', null, '2026-07-01', '2026-07-01'],
    ['2026-07-01T10:00:00Z', null, '2026-07-01T10:00:00Z', '2026-07-01'],
    ['2026-02-31', null, '2026-02-31', null],
    ['soon', null, 'soon', null],
  ])('%j reads as number %j, string %j, date %j', (v, n, s, d) => {
    const attrs = { x: v }
    expect(numberAttr(attrs, 'x')).toBe(n)
    expect(stringAttr(attrs, 'x')).toBe(s)
    expect(dateAttr(attrs, 'x')).toBe(d)
  })

  it('reads own properties only, so inherited names are missing', () => {
    expect(scalarAttr({}, 'constructor')).toBeNull()
    expect(scalarAttr({}, 'toString')).toBeNull()
  })

  it('parses stored JSON that is not an object as empty', () => {
    expect(parseAttributes('[1]')).toEqual({})
    expect(parseAttributes('not json')).toEqual({})
    expect(parseAttributes('{"a":1}')).toEqual({ a: 1 })
  })

  it('never throws, for any JSON value and any condition', () => {
    const value = fc.oneof(fc.jsonValue(), fc.constant(POISON), fc.constant({ toString: null }))
    const op = fc.constantFrom('<', '<=', '>', '>=', '==', '!=', 'in') as fc.Arbitrary<'<'>
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('arr', 'tier', 'seats', 'constructor'), value),
        op,
        fc.oneof(fc.integer(), fc.string(), fc.array(fc.string())),
        (attrs, o, v) => {
          segmentOf(attrs, [{ key: 's', name: 's', all: [{ attribute: 'arr', op: o, value: v }] }])
        },
      ),
    )
  })

  it('matches segments on correctly typed values only', () => {
    const high = [{ key: 'high', name: 'High', all: [{ attribute: 'arr', op: '>=' as const, value: 50000 }] }]
    expect(segmentOf({ arr: 60000 }, high)?.key).toBe('high')
    expect(segmentOf({ arr: '60000' }, high)).toBeNull()
    expect(segmentOf({ arr: POISON }, high)).toBeNull()
    expect(segmentOf({ arr: [60000] }, high)).toBeNull()
    expect(segmentOf({ tier: POISON, arr: 60000 }, high)?.key).toBe('high')
  })
})

describe('admin-owned attributes', () => {
  const protectedNames = ['arr', 'seats', 'nps']
  it('ignores client traits of protected names and lets admin attributes win', () => {
    const attrs = effectiveAttributes({ arr: 1e9, seats: 1, plan: 'team', nps_survey: 100 }, { arr: 4800 }, protectedNames)
    expect(attrs).toEqual({ arr: 4800, plan: 'team' })
  })
  it('takes the admin NPS, else the survey aggregate', () => {
    expect(accountNps({ nps: 20, nps_survey: 50 })).toBe(20)
    expect(accountNps({ nps_survey: 50 })).toBe(50)
    expect(accountNps({ nps: '20' })).toBeNull()
  })
})

const rows = (traits: Record<string, unknown>, attributes: Record<string, unknown> = {}): ScoringInputs => ({
  accounts: [{ id: 'a', name: 'A', traits, attributes, firstSeen: NOW - 90 * DAY_MS, lastSeen: NOW }],
  users: [{ id: 'u', accountId: 'a', firstSeen: NOW - 90 * DAY_MS }],
  userActivity: [
    {
      userId: 'u',
      activeDays7: 3,
      activeDays28: 10,
      activeDays30: 10,
      activeDaysPrev30: 10,
      lastActiveDay: '2026-05-31',
      logins30: 5,
      activeSeconds30: 600,
      valueEvents30: 0,
      valueEventsPrev30: 0,
      valueAmount30: 0,
      valueAmountPrev30: 0,
    },
  ],
  userFeatures30: [{ userId: 'u', featureKey: 'f1' }],
  accountDays: [],
  accountFeatureDays: [],
  accountEventDays: [],
  versions: [],
  previous: [],
  history: [],
  rowsRead: 0,
})

describe('scoreProject with poisoned account attributes', () => {
  const features = [
    { key: 'f1', name: 'F1', kind: 'feature' as const, core: true, rules: [] },
    { key: 'f2', name: 'F2', kind: 'feature' as const, core: true, rules: [] },
  ]
  const config = {
    ...DEFAULT_CONFIG,
    segments: [{ key: 'big', name: 'Big', all: [{ attribute: 'arr', op: '>=' as const, value: 1000 }] }, ...DEFAULT_CONFIG.segments],
  }

  it.each([
    ['an object with toString', { arr: POISON, seats: POISON, renewal_date: POISON, nps: POISON, tier: POISON }],
    ['arrays', { arr: [1], seats: [20], renewal_date: ['2026-07-01'], nps: [50] }],
    ['strings for numbers', { arr: '5000', seats: '20', nps: '50', renewal_date: 'next week' }],
  ])('scores an account whose attributes are %s as if they were missing', (_n, bad) => {
    const clean = scoreProject(rows({}), config, features, NOW).accounts[0]
    const poisoned = scoreProject(rows({}, bad), config, features, NOW).accounts[0]
    expect(clean.health.score).not.toBeNull()
    expect(poisoned.health.score).toBe(clean.health.score)
    expect(poisoned.segment).toBe(clean.segment)
    expect(poisoned.renewalDate).toBeNull()
  })

  it('reads seats, NPS and renewal only from admin attributes', () => {
    const client = scoreProject(rows({ seats: 100, nps: -100, renewal_date: '2026-06-20', arr: 5000 }), config, features, NOW).accounts[0]
    const clean = scoreProject(rows({}), config, features, NOW).accounts[0]
    expect(client.health.score).toBe(clean.health.score)
    expect(client.segment).toBe(clean.segment)
    const admin = scoreProject(rows({}, { seats: 100, nps: -100, renewal_date: '2026-06-20', arr: 5000 }), config, features, NOW)
      .accounts[0]
    expect(admin.health.score).toBeLessThan(clean.health.score!)
    expect(admin.segment).toBe('big')
    expect(admin.renewalDate).toBe('2026-06-20')
  })
})

describe('nudge targeting on poisoned account attributes', () => {
  it('does not throw and does not match', () => {
    const n = toNudge(
      'n',
      nudgeDefinitionSchema.parse({
        kind: 'banner',
        title: { default: 'n' },
        body: { default: 'b' },
        holdout: { share: 0 },
        targeting: {
          account_attributes: [
            { attribute: 'arr', op: '>', value: 1 },
            { attribute: 'plan', op: '==', value: 'trial' },
          ],
        },
      }),
    )
    const account = { id: 'a', traits: { arr: POISON, plan: ['trial'] }, segment: null, band: null, healthScore: null }
    const decisions = decideNudges(
      { id: 'u', traits: { role: POISON }, firstSeen: 0 },
      account,
      { usedFeatures: new Set(), adoptedFeatures: new Set(), breadth: null },
      [n],
      { states: new Map(), shownThisSession: 0, shownLast7Days: 0, inSession: new Set() },
      NOW,
      {
        path: '/',
        caps: { maxPerSession: 1, maxPerWeek: 3 },
        conditionsHold: (attrs, all) => segmentOf(attrs, [{ key: 'x', name: 'x', all }]) !== null,
      },
    )
    expect(decisions).toEqual([])
  })
})

describe('attribute conditions of nudge targeting', () => {
  const enterprise = [{ attribute: 'plan', op: '==' as const, value: 'enterprise' }]

  it.each([
    ['a matching attribute', { plan: 'enterprise' }, true],
    ['another value', { plan: 'starter' }, false],
    ['a tier that happens to equal a segment key', { plan: 'starter', tier: 'x' }, false],
    ['a wrongly typed attribute', { plan: { toString: 1 } }, false],
  ])('hold for %s only when every condition holds', (_name, attrs, expected) => {
    expect(conditionsHold(attrs, enterprise)).toBe(expected)
  })
})
