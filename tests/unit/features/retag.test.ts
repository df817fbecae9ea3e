import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Feature } from '../../../shared/features'
import { buildFeatureIndex } from '../../../worker/src/features/classify'
import {
  archiveKeyParts,
  registryTags,
  retagDelta,
  writtenTags,
  type EventTags,
  type RollupDelta,
  type TagEvent,
} from '../../../worker/src/features/retag'
import { dayOf } from '../../../worker/src/lib/days'

const DAY = 86_400_000
const T0 = Date.parse('2026-11-20T00:00:00Z')

/** The tag-dependent rollups as ingest would build them from `events` under `tags` (the reference model). */
function rollupsOf(events: TagEvent[], tags: EventTags) {
  const features = new Map<string, [number, number]>()
  const days = new Map<string, [number, number, number, number]>()
  const amounts = new Map<string, number>()
  for (const e of events) {
    if (e.userId === null || e.name === null) continue
    const day = dayOf(e.ts)
    const t = e.type === 'track' ? tags(e) : e.written
    const d = days.get(`${e.userId}|${day}`) ?? [0, 0, 0, 0]
    d[0] += Number(t.meaningful)
    d[1] += Number(t.kind === 'login')
    d[2] += Number(t.kind === 'value')
    d[3] += t.kind === 'value' ? (t.amount ?? 0) : 0
    days.set(`${e.userId}|${day}`, d)
    const ak = `${e.userId}|${e.name}|${day}`
    amounts.set(ak, (amounts.get(ak) ?? 0) + (t.amount ?? 0))
    if (t.featureKey !== null) {
      const fk = `${e.userId}|${t.featureKey}|${day}`
      const f = features.get(fk) ?? [0, 0]
      f[0] += 1
      f[1] += t.amount ?? 0
      features.set(fk, f)
    }
  }
  return { features, days, amounts }
}

type Rollups = ReturnType<typeof rollupsOf>

/** Adds a delta as the SQL does: feature rows upserted (and gone at n = 0), user and event days updated in place. */
function apply(r: Rollups, delta: RollupDelta): Rollups {
  const out: Rollups = {
    features: new Map([...r.features].map(([k, v]) => [k, [...v] as [number, number]])),
    days: new Map([...r.days].map(([k, v]) => [k, [...v] as [number, number, number, number]])),
    amounts: new Map(r.amounts),
  }
  for (const [user, key, day, , n, amount] of delta.features) {
    const k = `${user}|${key}|${day}`
    const f = out.features.get(k) ?? [0, 0]
    f[0] += n
    f[1] += amount
    if (f[0] <= 0) out.features.delete(k)
    else out.features.set(k, f)
  }
  for (const [user, day, m, l, v, va] of delta.days) {
    const d = out.days.get(`${user}|${day}`)
    if (!d) throw new Error(`delta for a (user, day) with no rollup: ${user} ${day}`)
    d[0] += m
    d[1] += l
    d[2] += v
    d[3] += va
  }
  for (const [user, name, day, amount] of delta.eventAmounts) {
    const k = `${user}|${name}|${day}`
    if (!out.amounts.has(k)) throw new Error(`delta for an event day with no rollup: ${k}`)
    out.amounts.set(k, out.amounts.get(k)! + amount)
  }
  return out
}

const sorted = (r: Rollups) => ({
  features: [...r.features].sort(),
  days: [...r.days].sort(),
  amounts: [...r.amounts].sort(),
})

const KEYS = ['a', 'b', 'c']
const NAMES = ['E1', 'E2', 'E3', 'Signed In', '$system']

const featureArb = fc.record({
  key: fc.constantFrom(...KEYS),
  kind: fc.constantFrom('feature', 'value', 'login') as fc.Arbitrary<Feature['kind']>,
  events: fc.uniqueArray(fc.constantFrom(...NAMES.slice(0, 3)), { maxLength: 2 }),
})
const rulesArb = fc.uniqueArray(featureArb, { selector: (f) => f.key, maxLength: 3 }).map((fs) =>
  fs.map((f): Feature => ({
    key: f.key,
    name: f.key,
    kind: f.kind,
    core: false,
    rules: f.events.map((event) => ({ match: 'event', event })),
  })),
)

const eventArb = fc.record({
  type: fc.constantFrom('track', 'track', 'track', 'page'),
  name: fc.constantFrom(...NAMES),
  userId: fc.constantFrom('u1', 'u2', null),
  accountId: fc.constantFrom('acme', null),
  ts: fc.integer({ min: 0, max: 3 * DAY - 1 }).map((t) => T0 + t),
  amount: fc.option(fc.integer({ min: -50, max: 500 }), { nil: undefined }),
  feature: fc.option(fc.constantFrom(...KEYS, 'zzz'), { nil: undefined }),
})

/** Events as the consumer wrote them under `rules`: each line carries its tags. */
type RawEvent = typeof eventArb extends fc.Arbitrary<infer T> ? T : never

function ingested(raw: RawEvent[], rules: Feature[]): TagEvent[] {
  const tags = registryTags(buildFeatureIndex(rules))
  return raw.map((r) => {
    const properties: Record<string, unknown> = {}
    if (r.amount !== undefined) properties.amount = r.amount
    if (r.feature !== undefined) properties.feature = r.feature
    const e: TagEvent = {
      type: r.type,
      name: r.name,
      userId: r.userId,
      accountId: r.accountId,
      ts: r.ts,
      properties,
      written: { kind: r.type === 'track' ? 'track' : ('page' as never), featureKey: null, amount: null, meaningful: false },
    }
    return r.type === 'track' ? { ...e, written: tags(e) } : e
  })
}

describe('retagDelta', () => {
  it('applied to the rollups of rules A, equals the rollups computed directly under rules B', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), rulesArb, rulesArb, (raw, a, b) => {
        const events = ingested(raw, a)
        const tagsA = registryTags(buildFeatureIndex(a))
        const tagsB = registryTags(buildFeatureIndex(b))
        const delta = retagDelta(events, writtenTags, tagsB)
        expect(sorted(apply(rollupsOf(events, tagsA), delta))).toEqual(sorted(rollupsOf(events, tagsB)))
      }),
    )
  })

  it('B → A → B is the identity, and A → A changes nothing', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), rulesArb, rulesArb, (raw, a, b) => {
        const events = ingested(raw, a)
        const tagsA = registryTags(buildFeatureIndex(a))
        const tagsB = registryTags(buildFeatureIndex(b))
        const underB = rollupsOf(events, tagsB)
        const back = apply(apply(underB, retagDelta(events, tagsB, tagsA)), retagDelta(events, tagsA, tagsB))
        expect(sorted(back)).toEqual(sorted(underB))
        expect(retagDelta(events, writtenTags, tagsA)).toEqual({ retagged: 0, features: [], days: [], eventAmounts: [] })
      }),
    )
  })

  it('moves a use from one feature to another on the same (user, day), counting retagged events with or without a user', () => {
    const rulesA: Feature[] = [{ key: 'x', name: 'X', kind: 'feature', core: false, rules: [{ match: 'event', event: 'Done' }] }]
    const rulesB: Feature[] = [{ key: 'y', name: 'Y', kind: 'value', core: false, rules: [{ match: 'event', event: 'Done' }] }]
    const raw: RawEvent[] = [
      { type: 'track', name: 'Done', userId: 'u1', accountId: null, ts: T0 + 5, amount: 7, feature: undefined },
      { type: 'track', name: 'Done', userId: null, accountId: null, ts: T0 + 6, amount: 1, feature: undefined },
    ]
    const delta = retagDelta(ingested(raw, rulesA), writtenTags, registryTags(buildFeatureIndex(rulesB)))
    expect(delta).toEqual({
      retagged: 2,
      features: [
        ['u1', 'x', '2026-11-20', null, -1, -7],
        ['u1', 'y', '2026-11-20', null, 1, 7],
      ],
      // meaningful either way; a value event now, with its amount
      days: [['u1', '2026-11-20', 0, 0, 1, 7]],
      eventAmounts: [],
    })
  })
})

describe('archiveKeyParts', () => {
  it('reads the write time and ingest id of an archive key, and nothing of any other key', () => {
    expect(archiveKeyParts('raw/p_1/2026-11-20/1795673283058-9243f9ba-36a5-49c7-9e4b-7b3c18b644b4.ndjson.gz')).toEqual({
      writtenAt: 1795673283058,
      ingestId: '9243f9ba-36a5-49c7-9e4b-7b3c18b644b4',
    })
    expect(archiveKeyParts('raw/p_1/2026-11-20/notes.txt')).toBeNull()
    expect(archiveKeyParts('raw/p_1/2026-11-20/x-y.ndjson.gz')).toBeNull()
  })
})
