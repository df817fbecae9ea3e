import { describe, expect, it } from 'vitest'
import { segmentBenchmarks } from '../../../worker/src/scoring/benchmarks'
import type { AccountScoreResult } from '../../../worker/src/scoring/project'

const account = (segment: string, breadth: number | null) =>
  ({ segment, health: { measures: [{ key: 'feature_breadth', raw: breadth }] } }) as unknown as AccountScoreResult

describe('segmentBenchmarks', () => {
  it('gives nearest-rank quartiles per segment and measure', () => {
    const accounts = Array.from({ length: 20 }, (_, i) => account('big', (i + 1) / 20))
    const [b] = segmentBenchmarks(accounts, { known: [] })
    expect(b).toMatchObject({ segment: 'big', measure: 'feature_breadth', n: 20, p25: 0.25, p50: 0.5, p75: 0.75, p90: 0.9 })
  })

  it('puts each account at its mid-rank percentile in cohorts of 20 or more, and nowhere in smaller ones', () => {
    const big = Array.from({ length: 20 }, (_, i) => account('big', i))
    const small = [account('small', 1), account('small', 2)]
    segmentBenchmarks([...big, ...small], { known: [] })
    expect(big[10].health.measures[0].segment_percentile).toBe(52.5)
    expect(small[0].health.measures[0].segment_percentile).toBeNull()
  })

  it('skips missing values', () => {
    expect(segmentBenchmarks([account('s', null)], { known: [] })).toEqual([])
  })
})
