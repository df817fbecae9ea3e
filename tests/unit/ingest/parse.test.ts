import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../worker/src/http/errors'
import { parseIngestBody } from '../../../worker/src/ingest/parse'

function outcome(body: string) {
  try {
    return parseIngestBody(body)
  } catch (e) {
    return e
  }
}

describe('parseIngestBody', () => {
  it('never fails with anything but a 4xx ApiError, whatever the body', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ batch: [v, v] })),
        ),
        (body) => {
          const r = outcome(body)
          if (r instanceof Error) {
            expect(r).toBeInstanceOf(ApiError)
            expect((r as ApiError).status).toBeGreaterThanOrEqual(400)
            expect((r as ApiError).status).toBeLessThan(500)
          }
        },
      ),
      { numRuns: 500 },
    )
  })

  it('keeps every valid event and rejects every invalid one, by index', () => {
    const good = { type: 'track', userId: 'u', event: 'ok' }
    const bad = { type: 'track', userId: 'u' }
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 50 }), (pattern) => {
        const parsed = parseIngestBody(JSON.stringify({ batch: pattern.map((ok) => (ok ? good : bad)) }))
        expect(parsed.events.map((e) => e.index)).toEqual(pattern.flatMap((ok, i) => (ok ? [i] : [])))
        expect(parsed.rejected.map((e) => e.index)).toEqual(pattern.flatMap((ok, i) => (ok ? [] : [i])))
      }),
    )
  })

  it('wraps a single-event body with its type from the path', () => {
    const parsed = parseIngestBody(JSON.stringify({ writeKey: 'wk', userId: 'u', event: 'x' }), 'track')
    expect(parsed.writeKey).toBe('wk')
    expect(parsed.events[0].event).toMatchObject({ type: 'track', event: 'x' })
  })
})
