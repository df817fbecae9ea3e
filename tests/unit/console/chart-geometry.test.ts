import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { explanationRows, roundToSum, sumShown, type MeasurePart } from '../../../console/src/charts/explanation'
import { forestRow, phiDomain, phiTicks } from '../../../console/src/charts/forest'
import { funnelSteps, pct } from '../../../console/src/charts/funnel'
import { bandZones, chartWidth, daySeconds, historySeries, versionChanges } from '../../../console/src/charts/history'
import { bandOf, lastPoint, linearScale, sparklinePath } from '../../../console/src/charts/scale'

const tenths = (xs: number[]) => xs.reduce((a, v) => a + Math.round(v * 10), 0)

describe('roundToSum', () => {
  it('rounds 33.33 three times to 33.3, 33.3, 33.4 so they add up to 100.0', () => {
    expect(roundToSum([100 / 3, 100 / 3, 100 / 3], 100)).toEqual([33.4, 33.3, 33.3])
  })

  it('keeps values that already add up, unchanged', () => {
    expect(roundToSum([12.5, 7.2, 11.7], 31.4)).toEqual([12.5, 7.2, 11.7])
  })

  it('always sums exactly to the total rounded to tenths, each value within 0.1 of itself', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 40, noNaN: true }), { minLength: 1, maxLength: 8 }), (xs) => {
        const total = xs.reduce((a, b) => a + b, 0)
        const r = roundToSum(xs, total)
        expect(tenths(r)).toBe(Math.round(total * 10))
        r.forEach((v, i) => expect(Math.abs(v - xs[i])).toBeLessThanOrEqual(0.1 + 1e-9))
      }),
    )
  })

  it('is empty for no values', () => {
    expect(roundToSum([], 0)).toEqual([])
  })
})

describe('explanationRows', () => {
  const m = (key: string, contribution: number, points_lost: number): MeasurePart => ({
    key,
    label: key,
    contribution,
    points_lost,
    weight: 25,
    score: null,
    band: null,
    detail: '',
  })

  it('shows contributions summing to the shown score and points lost summing to 100 minus it', () => {
    const measures = [m('a', 10.04, 14.96), m('b', 10.04, 14.96), m('c', 11.37, 13.63), m('d', 0, 25)]
    const score = 31.45
    const { rows, shownScore } = explanationRows(measures, score)
    expect(shownScore).toBe(31.5)
    expect(sumShown(rows.map((r) => r.shown))).toBe(31.5)
    expect(sumShown(rows.map((r) => r.shownLost))).toBe(68.5)
  })
})

describe('versionChanges', () => {
  const s = (day: string, v: string) => ({ day, model_version: v, score: 50, band: 'yellow' })

  it('marks the first day of each new model version', () => {
    const h = [s('2026-05-01', 'v1'), s('2026-05-02', 'v1'), s('2026-05-03', 'v2'), s('2026-05-04', 'v2'), s('2026-05-05', 'v1')]
    expect(versionChanges(h)).toEqual([
      { index: 2, day: '2026-05-03', from: 'v1', to: 'v2' },
      { index: 4, day: '2026-05-05', from: 'v2', to: 'v1' },
    ])
  })

  it('finds none in a history of one version or an empty one', () => {
    expect(versionChanges([s('2026-05-01', 'v1'), s('2026-05-02', 'v1')])).toEqual([])
    expect(versionChanges([])).toEqual([])
  })

  it('gives uPlot seconds at UTC midnight and keeps missing scores as gaps', () => {
    expect(daySeconds('1970-01-02')).toBe(86_400)
    expect(historySeries([{ day: '1970-01-02', model_version: 'v', score: null, band: 'insufficient_data' }])).toEqual([[86_400], [null]])
  })

  it('fills the container but never goes below 240 px', () => {
    expect(chartWidth(358.6)).toBe(358)
    expect(chartWidth(100)).toBe(240)
  })

  it('splits 0–100 into red, yellow and green zones at the cut-offs', () => {
    expect(bandZones({ red: 40, green: 70 })).toEqual([
      [0, 40, 'red'],
      [40, 70, 'yellow'],
      [70, 100, 'green'],
    ])
  })
})

describe('forest plot', () => {
  const row = (phi: number | null, ci: [number, number] | null) => ({ key: 'k', name: 'k', phi, phi_ci95: ci, label: '' })

  it('is symmetric around zero, at least ±0.5, wide enough for every interval', () => {
    expect(phiDomain([])).toEqual([-0.5, 0.5])
    expect(phiDomain([row(0.43, [0.2, 0.62])])).toEqual([-0.7, 0.7])
    expect(phiDomain([row(-0.9, [-1, -0.7])])).toEqual([-1, 1])
  })

  it('has a tick at zero', () => {
    expect(phiTicks([-0.5, 0.5])).toEqual([-0.5, -0.25, 0, 0.25, 0.5])
    expect(phiTicks([-1, 1])).toContain(0)
  })

  it('places the point and interval on the plot and says whether the interval excludes zero', () => {
    const g = forestRow(row(0.5, [0.25, 0.75]), [-1, 1], 0, 200)
    expect(g).toEqual({ cx: 150, lo: 125, hi: 175, excludesZero: true })
    expect(forestRow(row(null, null), [-1, 1], 0, 200)).toEqual({ cx: null, lo: null, hi: null, excludesZero: false })
    expect(forestRow(row(0.1, [-0.2, 0.4]), [-1, 1], 0, 200).excludesZero).toBe(false)
  })
})

describe('funnelSteps', () => {
  it('gives each step its share of the first and of the previous step', () => {
    const f = funnelSteps([
      { label: 'shown', count: 40 },
      { label: 'clicked', count: 10 },
      { label: 'completed', count: 5 },
    ])
    expect(f.map((s) => s.ofFirst)).toEqual([1, 0.25, 0.125])
    expect(f.map((s) => s.ofPrevious)).toEqual([null, 0.25, 0.5])
  })

  it('has no rates when nothing was shown', () => {
    const f = funnelSteps([
      { label: 'shown', count: 0 },
      { label: 'clicked', count: 0 },
    ])
    expect(f.map((s) => [s.ofFirst, s.ofPrevious])).toEqual([
      [0, null],
      [0, null],
    ])
    expect(pct(null)).toBe('–')
    expect(pct(0.256)).toBe('26 %')
  })
})

describe('sparkline geometry', () => {
  it('breaks the line at missing days and scales 0–100 onto the height', () => {
    expect(sparklinePath([0, 100, null, 50], 32, 12, 1)).toBe('M1 11L11 1M31 6')
  })

  it('finds the last scored point and colours it by band', () => {
    expect(lastPoint([10, 55, null])).toEqual({ index: 1, value: 55 })
    expect(lastPoint([null])).toBeNull()
    expect([bandOf(39.9), bandOf(40), bandOf(70), bandOf(null)]).toEqual(['red', 'yellow', 'green', 'insufficient_data'])
  })

  it('maps a zero-width domain to the middle of the range', () => {
    expect(linearScale(5, 5, 0, 10)(5)).toBe(5)
  })
})
