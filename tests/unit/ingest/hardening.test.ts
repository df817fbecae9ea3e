import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { elementPathViolation, FREE_FORM_LIMITS, freeFormViolation, MAX_STORED_TRAITS_BYTES, utf8Length } from '../../../shared/limits'
import { DAY_MS } from '../../../worker/src/lib/days'
import { LIVE_EVENT_MAX_AGE_DAYS, rawWindowStart } from '../../../worker/src/ingest/raw-window'
import { eventTime, type TimeWindow } from '../../../worker/src/ingest/normalize'
import { mergeTraits } from '../../../worker/src/ingest/plan'

const nested = (depth: number): unknown => (depth <= 1 ? { leaf: 1 } : { a: nested(depth - 1) })

describe('freeFormViolation', () => {
  it.each([
    ['8 levels', nested(8), null],
    ['9 levels', nested(9), 'a.a.a.a.a.a.a.a: nested deeper than 8 levels'],
    ['arrays count as levels', { a: [[[[[[[[1]]]]]]]] }, 'a.0.0.0.0.0.0.0: nested deeper than 8 levels'],
    ['201 keys', Object.fromEntries(Array.from({ length: 201 }, (_, i) => [i, i])), '(root): more than 200 keys'],
    ['201 items', { list: Array(201).fill(0) }, 'list: more than 200 items'],
    ['a long string', { s: 'x'.repeat(8193) }, 's: string longer than 8192 characters'],
    ['a long key', { ['k'.repeat(201)]: 1 }, '(root): a key is longer than 200 characters'],
    ['scalars', { n: 1, b: true, z: null, s: 'ok' }, null],
  ])('%s', (_name, value, expected) => expect(freeFormViolation(value)).toBe(expected))

  it('walks 100,000 levels without recursion', () => {
    expect(freeFormViolation(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))).toMatch(/nested deeper than 8 levels$/)
  })

  it('never throws, and accepts exactly the values within every bound', () => {
    const within = (v: unknown, depth = 1): boolean => {
      if (typeof v === 'string') return v.length <= FREE_FORM_LIMITS.maxStringLength
      if (v === null || typeof v !== 'object') return true
      if (depth > FREE_FORM_LIMITS.maxDepth) return false
      const entries = Object.entries(v)
      if (Array.isArray(v) ? v.length > FREE_FORM_LIMITS.maxArrayItems : entries.length > FREE_FORM_LIMITS.maxKeys) return false
      return entries.every(([k, x]) => k.length <= FREE_FORM_LIMITS.maxKeyLength && within(x, depth + 1))
    }
    const limits = { maxDepth: 3, maxKeys: 3, maxArrayItems: 3, maxKeyLength: 3, maxStringLength: 3 }
    const small = (v: unknown, depth = 1): boolean => {
      if (typeof v === 'string') return v.length <= 3
      if (v === null || typeof v !== 'object') return true
      if (depth > 3) return false
      const entries = Object.entries(v)
      if (entries.length > 3) return false
      return entries.every(([k, x]) => k.length <= 3 && small(x, depth + 1))
    }
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
        expect(freeFormViolation(v) === null).toBe(within(v))
        expect(freeFormViolation(v, limits) === null).toBe(small(v))
      }),
      { numRuns: 1000 },
    )
  })
})

describe('elementPathViolation', () => {
  it.each([
    ['a normal path', 'main > div.toolbar > button#export', null],
    ['12 levels', Array(12).fill('div').join(' > '), null],
    ['13 levels', Array(13).fill('div').join(' > '), 'element path deeper than 12 levels'],
    ['1,025 characters', 'b'.repeat(1025), 'element path longer than 1024 characters'],
  ])('%s', (_name, path, expected) => expect(elementPathViolation(path)).toBe(expected))
})

describe('utf8Length', () => {
  it('equals the length TextEncoder produces, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => utf8Length(s) === new TextEncoder().encode(s).length),
      { numRuns: 2000 },
    )
    expect(utf8Length('€'.repeat(30_000))).toBe(90_000)
  })
})

describe('eventTime', () => {
  const received = Date.parse('2026-06-01T12:00:00Z')
  const window: TimeWindow = { oldest: (r) => r - 30 * DAY_MS, label: '30 days' }
  const iso = (ms: number) => new Date(ms).toISOString()

  it.each([
    ['now', { timestamp: iso(received) }, undefined, { ts: received }],
    ['30 days ago exactly', { timestamp: iso(received - 30 * DAY_MS) }, undefined, { ts: received - 30 * DAY_MS }],
    [
      '30 days and 1 ms ago',
      { timestamp: iso(received - 30 * DAY_MS - 1) },
      undefined,
      { error: 'timestamp: older than 30 days after clock-skew correction' },
    ],
    ['12 hours ahead: stored as the receive time', { timestamp: iso(received + 12 * 3600_000) }, undefined, { ts: received }],
    [
      '1 day and 1 ms ahead',
      { timestamp: iso(received + DAY_MS + 1) },
      undefined,
      { error: 'timestamp: more than 1 day in the future after clock-skew correction' },
    ],
    [
      '2001 from a clock reset to 2001, corrected by sentAt',
      { timestamp: '2001-01-01T00:00:00Z' },
      '2001-01-01T00:01:00Z',
      { ts: received - 60_000 },
    ],
    [
      '2001 without sentAt',
      { timestamp: '2001-01-01T00:00:00Z' },
      undefined,
      { error: 'timestamp: older than 30 days after clock-skew correction' },
    ],
    ['no timestamp', {}, undefined, { ts: received }],
  ])('%s', (_name, event, sentAt, expected) => expect(eventTime(event, sentAt, received, window)).toEqual(expected))
})

describe('dedupe keys outlive the accepted window', () => {
  it('a messageId purged with its raw event is always older than the write key accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }), (now) => {
        // purge deletes raw rows dated before rawWindowStart(now); the live window starts later
        expect(now - LIVE_EVENT_MAX_AGE_DAYS * DAY_MS).toBeGreaterThan(rawWindowStart(now))
      }),
    )
  })
})

describe('mergeTraits', () => {
  it('merges later over earlier and never passes the stored bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 9000 }), { maxKeys: 5 }), { maxLength: 20 }),
        (calls) => {
          let traits: Record<string, unknown> = {}
          for (const t of calls) {
            traits = mergeTraits(traits, t)
            for (const [k, v] of Object.entries(t)) expect(traits[k]).toBe(v)
            expect(utf8Length(JSON.stringify(traits))).toBeLessThanOrEqual(Math.max(MAX_STORED_TRAITS_BYTES, utf8Length(JSON.stringify(t))))
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
