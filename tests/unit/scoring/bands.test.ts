import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accountHealth } from '../../../worker/src/scoring/account-health'
import { nextBand, replayBandState, type BandState } from '../../../worker/src/scoring/bands'
import { DEFAULT_PROFILE } from '../../../worker/src/scoring/defaults'

const bands = DEFAULT_PROFILE.bands
const yellow: BandState = { band: 'yellow', pending: null, pendingSince: null }

describe('band changes are confirmed by days, not runs', () => {
  it('does not confirm a change from two runs on the same day, a minute apart', () => {
    const first = nextBand(yellow, 30, bands, '2026-03-02')
    const second = nextBand(first, 30, bands, '2026-03-02')
    expect(second).toEqual({ band: 'yellow', pending: 'red', pendingSince: '2026-03-02' })
    expect(nextBand(second, 30, bands, '2026-03-03').band).toBe('red')
  })

  it('confirms on any later day, and restarts when another band shows up in between', () => {
    let s = nextBand(yellow, 30, bands, '2026-03-02')
    s = nextBand(s, 80, bands, '2026-03-03')
    expect(s).toEqual({ band: 'yellow', pending: 'green', pendingSince: '2026-03-03' })
    expect(nextBand(s, 30, bands, '2026-03-04')).toEqual({ band: 'yellow', pending: 'red', pendingSince: '2026-03-04' })
    expect(nextBand(s, 80, bands, '2026-03-09').band).toBe('green')
  })

  it('never confirms however many runs happen within one day (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 1, maxLength: 20 }), (scores) => {
        let s: BandState = yellow
        for (const score of scores) s = nextBand(s, score, bands, '2026-03-02')
        expect(s.band).toBe('yellow')
      }),
    )
  })
})

describe('a null score has no band', () => {
  it.each(['red', 'green', 'yellow'] as const)('goes from %s to insufficient_data at once, with nothing pending', (band) => {
    expect(nextBand({ band, pending: null, pendingSince: null }, null, bands, '2026-03-02')).toEqual({
      band: 'insufficient_data',
      pending: null,
      pendingSince: null,
    })
    expect(nextBand({ band, pending: 'yellow', pendingSince: '2026-03-01' }, null, bands, '2026-03-02').band).toBe('insufficient_data')
  })

  it('takes a real band at once when data comes back', () => {
    expect(nextBand({ band: 'insufficient_data', pending: null, pendingSince: null }, 30, bands, '2026-03-02').band).toBe('red')
  })

  it('never pairs a null score with red, yellow or green (property)', () => {
    const state = fc.record({
      band: fc.constantFrom('red', 'yellow', 'green', 'insufficient_data'),
      pending: fc.constantFrom(null, 'red', 'green'),
      pendingSince: fc.constantFrom(null, '2026-03-01'),
    }) as fc.Arbitrary<BandState>
    fc.assert(fc.property(state, (prev) => nextBand(prev, null, bands, '2026-03-02').band === 'insufficient_data'))
  })

  it('gives an account without enough data a null score and no band, whatever its previous band', () => {
    const empty = {
      seats: null,
      knownUsers: 0,
      activeUsers28: 0,
      hauUsers: 0,
      activeUsers30: 0,
      coreFeatures: 0,
      coreFeaturesAdopted: 0,
      valueFeatures: 0,
      valueEvents30: 0,
      activeUserDays30: 0,
      activeUserDaysPrev30: 0,
      releasesBehind: null,
      nps: null,
    }
    const h = accountHealth(empty, DEFAULT_PROFILE, { band: 'red', pending: null, pendingSince: null }, '2026-03-02')
    expect(h.score).toBeNull()
    expect(h.band).toBe('insufficient_data')
  })
})

describe('band state replayed for a backfill', () => {
  it('confirms a change on the second day of snapshots, in day order', () => {
    const s = replayBandState(
      [
        { day: '2026-03-03', score: 30 },
        { day: '2026-03-01', score: 60 },
        { day: '2026-03-02', score: 30 },
      ],
      bands,
    )
    expect(s?.band).toBe('red')
    expect(
      replayBandState(
        [
          { day: '2026-03-01', score: 60 },
          { day: '2026-03-02', score: 30 },
        ],
        bands,
      ),
    ).toEqual({ band: 'yellow', pending: 'red', pendingSince: '2026-03-02' })
    expect(replayBandState([], bands)).toBeNull()
  })
})
