import { describe, expect, it } from 'vitest'
import { accountAlerts, afterCooldown, type AlertInput } from '../../../worker/src/alerts/triggers'

const base: AlertInput = {
  accountId: 'a',
  score: 50,
  previousScore: 55,
  band: 'yellow',
  previousBand: 'yellow',
  delta7: -2,
  delta30: -5,
  redDays: 0,
  renewalInDays: null,
  flags: [],
  previousFlagKeys: new Set(),
}
const kinds = (x: Partial<AlertInput>) => accountAlerts({ ...base, ...x }).map((a) => a.kind)

describe('accountAlerts', () => {
  it.each([
    ['nothing changed', {}, []],
    ['a band change', { band: 'red' as const, previousBand: 'yellow' as const }, ['band_changed']],
    ['a first score (no previous band)', { previousBand: null }, []],
    ['leaving insufficient data', { previousBand: 'insufficient_data' as const }, []],
    ['a 15-point drop in 30 days', { delta30: -15 }, ['score_drop']],
    ['a 10-point drop in 7 days', { delta7: -10.5 }, ['score_drop']],
    ['the 14th red day', { band: 'red' as const, previousBand: 'red' as const, redDays: 14 }, ['persistent_red']],
    ['the 15th red day (already raised)', { band: 'red' as const, previousBand: 'red' as const, redDays: 15 }, []],
    ['renewal in 60 days while yellow', { renewalInDays: 60 }, ['renewal_risk']],
    ['renewal in 60 days while green', { renewalInDays: 60, band: 'green' as const, previousBand: 'green' as const }, []],
  ])('%s → %j', (_n, x, expected) => expect(kinds(x)).toEqual(expected))

  it('raises newly fired rules only, risks and opportunities apart', () => {
    const flags = [
      { key: 'r1', name: 'Risky', kind: 'risk' as const, critical: false, values: {} },
      { key: 'o1', name: 'Upsell', kind: 'opportunity' as const, critical: false, values: {} },
    ]
    expect(kinds({ flags })).toEqual(['indicator_fired', 'opportunity'])
    expect(kinds({ flags, previousFlagKeys: new Set(['r1', 'o1']) })).toEqual([])
  })

  it('carries a Gainsight-style payload with the reason', () => {
    const [a] = accountAlerts({ ...base, band: 'red', previousBand: 'yellow', score: 35 })
    expect(a.payload).toMatchObject({
      account_id: 'a',
      score: 35,
      previous_score: 55,
      band: 'red',
      previous_band: 'yellow',
      kind: 'band_changed',
      reason: 'band yellow → red',
    })
  })
})

describe('afterCooldown', () => {
  it('keeps one alert per account and kind per 7 days', () => {
    const now = Date.parse('2026-06-10T00:00:00Z')
    const alerts = accountAlerts({ ...base, delta30: -20 })
    expect(afterCooldown(alerts, new Map([['a:score_drop', now - 3 * 86_400_000]]), now)).toEqual([])
    expect(afterCooldown(alerts, new Map([['a:score_drop', now - 8 * 86_400_000]]), now)).toHaveLength(1)
  })
})
