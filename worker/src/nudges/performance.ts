import { conversionLift, type GroupCounts, type Lift } from './lift'

/** Users of one exposure group (shown or held out) in one segment: conversions to the target feature and the funnel. */
export interface ExposureGroup {
  exposure: 'shown' | 'holdout'
  segment: string
  users: number
  converted: number
  shows: number
  clicked: number
  dismissed: number
  snoozed: number
  completed: number
}

export interface NudgePerformance {
  funnel: { usersShown: number; shows: number; clicked: number; dismissed: number; snoozed: number; completed: number }
  /** Null (and no segments) for a nudge without a target feature: there is nothing to convert to. */
  overall: Lift | null
  bySegment: (Lift & { segment: string })[]
}

const sum = (groups: ExposureGroup[], field: keyof Omit<ExposureGroup, 'exposure' | 'segment'>) => groups.reduce((a, g) => a + g[field], 0)

/** A nudge's funnel over the users shown it, and its conversion lift over the holdout, overall and per segment. */
export function nudgePerformance(groups: ExposureGroup[], hasTargetFeature: boolean): NudgePerformance {
  const shown = groups.filter((g) => g.exposure === 'shown')
  const counts = (exposure: ExposureGroup['exposure'], segment?: string): GroupCounts => {
    const gs = groups.filter((g) => g.exposure === exposure && (segment === undefined || g.segment === segment))
    return { users: sum(gs, 'users'), converted: sum(gs, 'converted') }
  }
  const segments = [...new Set(groups.map((g) => g.segment))]
  return {
    funnel: {
      usersShown: sum(shown, 'users'),
      shows: sum(shown, 'shows'),
      clicked: sum(shown, 'clicked'),
      dismissed: sum(shown, 'dismissed'),
      snoozed: sum(shown, 'snoozed'),
      completed: sum(shown, 'completed'),
    },
    overall: hasTargetFeature ? conversionLift(counts('shown'), counts('holdout')) : null,
    bySegment: hasTargetFeature ? segments.map((s) => ({ segment: s, ...conversionLift(counts('shown', s), counts('holdout', s)) })) : [],
  }
}
