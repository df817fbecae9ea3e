import type { z } from 'zod'
import type { conversionLiftSchema } from '../../../shared/api/nudges'
import { roundTo } from '../lib/round'
import { newcombeDifferenceInterval } from '../lib/stats'

/** Conversion of a group: users who used the target feature within N days of exposure. */
export interface GroupCounts {
  users: number
  converted: number
}

/** Conversion of the shown and held-out groups, their difference and its interval (the API's `ConversionLift`). */
export type Lift = z.output<typeof conversionLiftSchema>

const r4 = (x: number) => roundTo(x, 4)

/**
 * Lift = conversion(shown) − conversion(holdout), with Newcombe's hybrid score interval (Wilson per
 * group): unlike Wald it does not collapse to zero width at 0/n, so five held-out users prove nothing.
 */
export function conversionLift(shown: GroupCounts, holdout: GroupCounts): Lift {
  const p1 = shown.users ? shown.converted / shown.users : null
  const p2 = holdout.users ? holdout.converted / holdout.users : null
  const d = newcombeDifferenceInterval(shown.converted, shown.users, holdout.converted, holdout.users)
  const ci: [number, number] | null = d ? [r4(d.ci[0]), r4(d.ci[1])] : null
  return {
    shown: { ...shown, rate: p1 === null ? null : r4(p1) },
    holdout: { ...holdout, rate: p2 === null ? null : r4(p2) },
    lift: d ? r4(d.difference) : null,
    ci95: ci,
    interval: 'newcombe_hybrid_score',
    // decided on the unrounded limits, so rounding never turns a limit of 0.00004 into "significant"
    significant: d !== null && (d.ci[0] > 0 || d.ci[1] < 0),
  }
}
