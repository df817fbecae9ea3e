import { describe, expect, it } from 'vitest'
import { buildFeatureIndex, classifyTrack, trackTagger, valueAmount } from '../../../worker/src/features/classify'
import { correctedTimestamp, toEventRow } from '../../../worker/src/ingest/normalize'
import { planIngest } from '../../../worker/src/ingest/plan'
import type { Feature } from '../../../shared/features'

const features: Feature[] = [
  { key: 'invoice.create', name: 'Create invoice', kind: 'value', core: true, rules: [{ match: 'event', event: 'Invoice Created' }] },
  { key: 'report.export', name: 'Export', kind: 'feature', core: true, rules: [{ match: 'click', selector: '#export', path: '/reports' }] },
  { key: 'invoice.send', name: 'Send', kind: 'feature', core: false, rules: [{ match: 'attribute' }] },
  { key: 'sso', name: 'SSO login', kind: 'login', core: false, rules: [{ match: 'event', event: 'SSO Login' }] },
]
const index = buildFeatureIndex(features)
const received = Date.parse('2026-06-01T12:00:00Z')

describe('correctedTimestamp', () => {
  it.each([
    ['no timestamp: the receive time', {}, undefined, received],
    ['no sentAt: the timestamp as given', { timestamp: '2026-06-01T11:00:00Z' }, undefined, Date.parse('2026-06-01T11:00:00Z')],
    ['a clock 10 minutes fast is corrected', { timestamp: '2026-06-01T12:09:00Z' }, '2026-06-01T12:10:00Z', received - 60_000],
    [
      'a clock 1 hour slow is corrected',
      { timestamp: '2026-06-01T10:59:00Z', sentAt: '2026-06-01T11:00:00Z' },
      undefined,
      received - 60_000,
    ],
    ['a future time is clamped to the receive time', { timestamp: '2026-06-02T12:00:00Z' }, undefined, received],
    ['an unparseable time falls back to the receive time', { timestamp: 'yesterday' }, undefined, received],
  ])('%s', (_name, event, envelopeSentAt, expected) => {
    expect(correctedTimestamp(event, envelopeSentAt, received)).toBe(expected)
  })
})

describe('classifyTrack', () => {
  it.each([
    ['an event rule tags a value feature with its amount', 'Invoice Created', { amount: 120 }, 'value', 'invoice.create', 120],
    ['properties.feature tags the registered feature', 'Send', { feature: 'invoice.send' }, 'feature', 'invoice.send', null],
    ['an unknown properties.feature is not a feature', 'Send', { feature: 'nope' }, 'track', undefined, null],
    ['Signed In is a login', 'Signed In', {}, 'login', undefined, null],
    ['a login-kind feature is a login', 'SSO Login', {}, 'login', 'sso', null],
    [
      'a raw click matching a click rule becomes the feature',
      '$click',
      { selector: 'main > button#export', path: '/reports' },
      'feature',
      'report.export',
      null,
    ],
    ['a raw click on another page stays a click', '$click', { selector: 'main > button#export', path: '/home' }, 'click', undefined, null],
    ['$-prefixed names are system events', '$engaged', { seconds: 30 }, 'system', undefined, null],
    ['anything else is a plain track event', 'Something', {}, 'track', undefined, null],
  ])('%s', (_name, event, properties, kind, key, amount) => {
    const cls = classifyTrack(event, properties, index)
    expect(cls.kind).toBe(kind)
    expect(cls.feature?.key).toBe(key)
    expect(cls.amount).toBe(amount)
  })
})

describe('valueAmount', () => {
  it.each([
    [{ amount: 5 }, 5],
    [{ revenue: '12.5' }, 12.5],
    [{ value: 3 }, 3],
    [{ amount: 'lots' }, null],
    [{ amount: Infinity }, null],
    [{}, null],
  ])('reads %j as %s', (props, expected) => expect(valueAmount(props)).toBe(expected))
})

describe('toEventRow and planIngest', () => {
  const opts = { receivedAt: received, tagTrack: trackTagger(index), newId: () => 'generated' }

  it('bounds engaged seconds and marks only feature and value events meaningful', () => {
    const engaged = toEventRow({ type: 'track', userId: 'u', event: '$engaged', properties: { seconds: 99999 } }, opts)
    expect(engaged.activeSeconds).toBe(3600)
    expect(engaged.meaningful).toBe(false)
    expect(toEventRow({ type: 'track', userId: 'u', event: 'Invoice Created' }, opts).meaningful).toBe(true)
    expect(toEventRow({ type: 'page', userId: 'u' }, opts)).toMatchObject({ kind: 'page', name: '$page', messageId: 'generated' })
  })

  it('merges identify and group traits in time order, one upsert per user and account', () => {
    const rows = [
      { type: 'identify' as const, userId: 'u1', traits: { plan: 'new' }, timestamp: '2026-06-01T11:00:00Z' },
      { type: 'identify' as const, userId: 'u1', traits: { plan: 'old', email: 'a@b' }, timestamp: '2026-06-01T10:00:00Z' },
      { type: 'group' as const, userId: 'u1', groupId: 'acme', traits: { name: 'Acme', seats: 5 }, timestamp: '2026-06-01T10:30:00Z' },
      { type: 'track' as const, userId: 'u2', event: 'x', context: { groupId: 'acme' }, timestamp: '2026-06-01T11:30:00Z' },
    ].map((e) => toEventRow(e, opts))
    const plan = planIngest(rows)
    expect(plan.users).toHaveLength(2)
    expect(plan.users.find((u) => u.id === 'u1')).toMatchObject({ accountId: 'acme', traits: { plan: 'new', email: 'a@b' } })
    expect(plan.users.find((u) => u.id === 'u2')?.accountId).toBe('acme')
    expect(plan.accounts).toEqual([
      {
        id: 'acme',
        name: 'Acme',
        traits: { name: 'Acme', seats: 5 },
        firstSeen: Date.parse('2026-06-01T10:30:00Z'),
        lastSeen: Date.parse('2026-06-01T11:30:00Z'),
      },
    ])
  })
})
