import type { Segment } from '../../../shared/scoring'
import { numberAttr, scalarAttr, stringAttr, type Attributes } from './attributes'

/** Whether one condition holds; an attribute that is missing or of the wrong type makes it false. */
function holds(attrs: Attributes, c: Segment['all'][number]): boolean {
  const v = scalarAttr(attrs, c.attribute)
  if (v === null) return false
  switch (c.op) {
    case 'in':
      return Array.isArray(c.value) && c.value.some((x) => String(x) === String(v))
    case '==':
      return String(v) === String(c.value)
    case '!=':
      return String(v) !== String(c.value)
    default: {
      const a = numberAttr(attrs, c.attribute)
      // the condition comes from the admin's config, so a numeric string there is meant as a number
      const b = typeof c.value === 'number' ? c.value : typeof c.value === 'string' && c.value.trim() ? Number(c.value) : Number.NaN
      if (a === null || !Number.isFinite(b)) return false
      return c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : a >= b
    }
  }
}

/** The first segment whose conditions all hold; a tier override attribute wins outright. */
/** Whether every condition holds for these attributes (segment rules and nudge attribute targeting share it). */
export function conditionsHold(attrs: Attributes, all: Segment['all']): boolean {
  return all.every((c) => holds(attrs, c))
}

export function segmentOf(attrs: Attributes, segments: Segment[]): Segment | null {
  const tier = stringAttr(attrs, 'tier')
  if (tier !== null) {
    const forced = segments.find((s) => s.key === tier)
    if (forced) return forced
  }
  return segments.find((s) => conditionsHold(attrs, s.all)) ?? null
}

/** Mid-rank percentile (docs/scoring.md §6): 100·(count below + ½·count equal)/N; null below the minimum cohort. */
export function percentileInCohort(x: number, cohort: number[], minCohort = 20): number | null {
  if (cohort.length < minCohort) return null
  let below = 0
  let equal = 0
  for (const c of cohort) {
    if (c < x) below++
    else if (c === x) equal++
  }
  return (100 * (below + equal / 2)) / cohort.length
}
