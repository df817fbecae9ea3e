import { describe, expect, it } from 'vitest'
import { ADOPTION } from '../../../shared/constants'
import { nudgeDefinitionSchema } from '../../../shared/nudges'
import { breadthCutoff } from '../../../worker/src/nudges/breadth-cutoff'
import { decisionMetrics } from '../../../worker/src/nudges/context'
import { nudgeResource, readDefinition, toNudge, unreachable } from '../../../worker/src/nudges/definition'
import { nudgePerformance, type ExposureGroup } from '../../../worker/src/nudges/performance'

const definition = nudgeDefinitionSchema.parse({
  kind: 'tooltip',
  anchor: '#export',
  title: { default: 'Export', 'pt-BR': 'Exportar' },
  body: { default: 'b' },
  target_feature: 'report.export',
  targeting: {
    element_present: '#reports',
    feature_not_used: 'report.export',
    breadth_below_segment_percentile: 25,
    user_attributes: [{ attribute: 'plan_tier', op: '==', value: 'a_b' }],
  },
  caps: { max_shows: 2 },
  start_at: '2026-01-01T00:00:00Z',
})

describe('nudge definitions between the snake_case API and the camelCase domain', () => {
  it('gives the domain camelCase names and answers the same snake_case definition', () => {
    const n = toNudge('tip', definition)
    expect(n).toMatchObject({
      key: 'tip',
      targetFeature: 'report.export',
      startAt: '2026-01-01T00:00:00Z',
      caps: { maxShows: 2, minDaysBetween: 1 },
      conversionDays: 14,
    })
    expect(n.targeting).toMatchObject({ elementPresent: '#reports', featureNotUsed: 'report.export', breadthBelowSegmentPercentile: 25 })
    // data keeps its spelling: locales, attribute names and values
    expect(n.title['pt-BR']).toBe('Exportar')
    expect(n.targeting.userAttributes).toEqual([{ attribute: 'plan_tier', op: '==', value: 'a_b' }])
    expect(nudgeResource(n)).toEqual({ key: 'tip', ...definition })
  })

  it('reads a definition stored in camelCase by 0.1 as the same definition', () => {
    const legacy = {
      kind: 'tooltip',
      anchor: '#export',
      title: { default: 'Export', 'pt-BR': 'Exportar' },
      body: { default: 'b' },
      targetFeature: 'report.export',
      targeting: {
        elementPresent: '#reports',
        featureNotUsed: 'report.export',
        breadthBelowSegmentPercentile: 25,
        userAttributes: [{ attribute: 'plan_tier', op: '==', value: 'a_b' }],
      },
      caps: { maxShows: 2, minDaysBetween: 1 },
      startAt: '2026-01-01T00:00:00Z',
      holdout: { share: 0.1, unit: 'account' },
      conversionDays: 14,
      priority: 100,
      buttons: [],
      active: true,
    }
    expect(readDefinition(legacy)).toEqual(definition)
    expect(readDefinition(definition)).toEqual(definition)
  })

  it('reads a stored definition that no longer validates as none', () => {
    expect(readDefinition({ kind: 'tooltip', title: { default: 't' }, body: { default: 'b' } })).toBeNull()
    expect(readDefinition(null)).toBeNull()
  })

  it('names every selector and feature that would keep a nudge from showing', () => {
    const bad = nudgeDefinitionSchema.parse({ ...definition, anchor: 'div:::x', steps: [{ feature: 'ghost', label: { default: 's' } }] })
    const problems = unreachable(bad, new Set(['report.export']), (s) => !s.includes(':'))
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/^anchor: "div:::x"/)
    expect(problems[1]).toMatch(/unknown feature "ghost"/)
    expect(unreachable(definition, new Set(['report.export']), () => true)).toEqual([])
  })
})

describe('decisionMetrics', () => {
  it('counts a feature adopted from the adoption rule’s minimum of days in the window, and breadth over core features', () => {
    const m = decisionMetrics(
      [
        { feature: 'a', daysInWindow: ADOPTION.minDays },
        { feature: 'b', daysInWindow: ADOPTION.minDays - 1 },
        { feature: 'c', daysInWindow: 0 },
      ],
      ['a', 'c', 'd', 'e'],
    )
    expect([...m.usedFeatures].sort()).toEqual(['a', 'b', 'c'])
    expect([...m.adoptedFeatures]).toEqual(['a'])
    // c was used, but not within the window
    expect(m.breadth).toBe(0.25)
    expect(decisionMetrics([], []).breadth).toBeNull()
  })
})

describe('breadthCutoff', () => {
  const bench = { n: 20, p25: 0.2, p50: 0.4, p75: 0.6, p90: 0.8 }
  it('takes the segment percentile for a large enough cohort, else the absolute poor anchor', () => {
    expect(breadthCutoff(bench, 0.1, 75, 20)).toBe(0.6)
    expect(breadthCutoff({ ...bench, n: 19 }, 0.1, 75, 20)).toBe(0.1)
    expect(breadthCutoff(null, null, 25, 20)).toBeNull()
  })
})

describe('nudgePerformance', () => {
  const g = (exposure: 'shown' | 'holdout', segment: string, users: number, converted: number, shows = 0, clicked = 0): ExposureGroup => ({
    exposure,
    segment,
    users,
    converted,
    shows,
    clicked,
    dismissed: 0,
    snoozed: 0,
    completed: 0,
  })
  const groups = [g('shown', 'smb', 30, 15, 40, 5), g('shown', 'ent', 10, 5, 12, 1), g('holdout', 'smb', 15, 3), g('holdout', 'ent', 5, 2)]

  it('sums the funnel over shown users only and gives the lift overall and per segment', () => {
    const p = nudgePerformance(groups, true)
    expect(p.funnel).toEqual({ usersShown: 40, shows: 52, clicked: 6, dismissed: 0, snoozed: 0, completed: 0 })
    expect(p.overall).toMatchObject({
      shown: { users: 40, converted: 20, rate: 0.5 },
      holdout: { users: 20, converted: 5, rate: 0.25 },
      lift: 0.25,
    })
    expect(p.bySegment.map((s) => [s.segment, s.lift])).toEqual([
      ['smb', 0.3],
      ['ent', 0.1],
    ])
  })

  it('has no conversion without a target feature', () => {
    expect(nudgePerformance(groups, false)).toMatchObject({ overall: null, bySegment: [] })
  })
})
