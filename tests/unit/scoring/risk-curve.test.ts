import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bandRule, predictedRisk, riskBands, scoringConfigSchema, scoringProfileSchema, type RiskCurve } from '../../../shared/scoring'
import { accountHealth } from '../../../worker/src/scoring/account-health'
import { DEFAULT_CONFIG, DEFAULT_PROFILE } from '../../../worker/src/scoring/defaults'
import { rawBand } from '../../../worker/src/scoring/normalise'

/** The fitted risk curve in the config (docs/scoring.md §18): bands follow predicted churn risk exactly. */
const curve: RiskCurve = { intercept: 1.9, per_point: -0.06, red_at: 0.41, yellow_at: 0.21 }
const withRisk = { ...DEFAULT_PROFILE, risk: curve, bands: { ...DEFAULT_PROFILE.bands, ...riskBands(curve) } }

describe('risk curve', () => {
  it('puts the cut-offs where predicted risk crosses red_at and yellow_at, on the 0.1 grid of scores', () => {
    // risk 41% at (logit(0.41) − 1.9) / −0.06 = 37.73, 21% at 53.75: floored to 0.1, plus 0.1
    expect(riskBands(curve)).toEqual({ red: 37.8, green: 53.8 })
    expect(bandRule(withRisk)).toBe(
      'red: predicted churn risk ≥ 41% (score < 37.8); yellow: 21%–41% (score 37.8–53.8); green: < 21% (score ≥ 53.8)',
    )
  })

  it('a band is exactly the stated risk rule for every score on the 0.1 grid and any decreasing curve', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5, max: 8, noNaN: true }),
        fc.double({ min: -0.3, max: -0.005, noNaN: true }),
        fc.double({ min: 0.05, max: 0.9, noNaN: true }),
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (intercept, per_point, red_at, share, tenths) => {
          const risk = { intercept, per_point, red_at, yellow_at: red_at * share }
          const bands = { ...riskBands(risk), hysteresis: 0 }
          const score = tenths / 10
          const p = predictedRisk(risk, score)
          // inside 0–100 the band is the stated rule; the cut-offs clamp at the edges
          if (bands.red > 0 && bands.red < 100 && bands.green < 100 && bands.red < bands.green) {
            expect(rawBand(score, bands) === 'red').toBe(p >= red_at)
            expect(rawBand(score, bands) === 'green').toBe(p < risk.yellow_at)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('the config refuses bands that are not the ones the curve implies, and says which', () => {
    const bad = scoringProfileSchema.safeParse({ ...withRisk, bands: { ...withRisk.bands, red: 40 } })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]).toMatchObject({ path: ['bands', 'red'], message: expect.stringMatching(/must be 37.8/) })
    expect(scoringProfileSchema.safeParse({ ...withRisk, risk: { ...curve, per_point: 0.01 } }).success).toBe(false)
    expect(scoringProfileSchema.safeParse({ ...withRisk, risk: { ...curve, yellow_at: 0.5 } }).success).toBe(false)
    expect(scoringProfileSchema.parse(withRisk)).toEqual(withRisk)
  })

  it('leaves the default config as it was: no risk curve, bands 40 / 70, the rule stated in score points', () => {
    expect(scoringConfigSchema.parse(DEFAULT_CONFIG)).toEqual(DEFAULT_CONFIG)
    expect('risk' in DEFAULT_PROFILE).toBe(false)
    expect(bandRule(DEFAULT_PROFILE)).toBe('red: score < 40; yellow: 40–70; green: score ≥ 70 (score cut-offs, no fitted churn risk)')
  })

  it('keeps explanations exact under a calibrated profile: contributions sum to the score, points lost to 100 − score', () => {
    fc.assert(
      fc.property(
        fc.record({
          seats: fc.integer({ min: 1, max: 50 }),
          active: fc.integer({ min: 0, max: 50 }),
          hau: fc.integer({ min: 0, max: 50 }),
          adopted: fc.integer({ min: 0, max: 8 }),
          value: fc.integer({ min: 0, max: 500 }),
          now: fc.integer({ min: 0, max: 400 }),
          prev: fc.integer({ min: 0, max: 400 }),
        }),
        (u) => {
          const active = Math.min(u.active, u.seats)
          const h = accountHealth(
            {
              seats: u.seats,
              knownUsers: u.seats,
              activeUsers28: active,
              hauUsers: Math.min(u.hau, active),
              activeUsers30: active,
              coreFeatures: 8,
              coreFeaturesAdopted: u.adopted,
              valueFeatures: 1,
              valueEvents30: u.value,
              activeUserDays30: u.now,
              activeUserDaysPrev30: u.prev,
              releasesBehind: null,
              nps: null,
            },
            withRisk,
            null,
            '2026-06-01',
          )
          if (h.score === null) return
          const sum = (k: 'contribution' | 'points_lost') => Math.round(h.measures.reduce((a, m) => a + m[k], 0) * 10) / 10
          expect(sum('contribution')).toBe(h.score)
          expect(sum('points_lost')).toBe(Math.round((100 - h.score) * 10) / 10)
          expect(h.band === 'red').toBe(predictedRisk(curve, h.score) >= curve.red_at)
        },
      ),
      { numRuns: 300 },
    )
  })
})
