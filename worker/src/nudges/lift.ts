/** Conversion of a group: users who used the target feature within N days of exposure. */
export interface GroupCounts {
  users: number
  converted: number
}

export interface Lift {
  shown: GroupCounts & { rate: number | null }
  holdout: GroupCounts & { rate: number | null }
  lift: number | null
  ci95: [number, number] | null
  significant: boolean
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000

/** Lift = conversion(shown) − conversion(holdout), with a 95% Wald interval on the difference. */
export function conversionLift(shown: GroupCounts, holdout: GroupCounts): Lift {
  const p1 = shown.users ? shown.converted / shown.users : null
  const p2 = holdout.users ? holdout.converted / holdout.users : null
  const lift = p1 === null || p2 === null ? null : p1 - p2
  let ci: [number, number] | null = null
  if (lift !== null) {
    const se = Math.sqrt((p1! * (1 - p1!)) / shown.users + (p2! * (1 - p2!)) / holdout.users)
    ci = [r4(lift - 1.96 * se), r4(lift + 1.96 * se)]
  }
  return {
    shown: { ...shown, rate: p1 === null ? null : r4(p1) },
    holdout: { ...holdout, rate: p2 === null ? null : r4(p2) },
    lift: lift === null ? null : r4(lift),
    ci95: ci,
    significant: ci !== null && (ci[0] > 0 || ci[1] < 0),
  }
}
