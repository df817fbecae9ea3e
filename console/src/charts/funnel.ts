/** Pure layout of a nudge funnel: each step's count, its width relative to the first, and the step's rate. */

export interface FunnelStep {
  label: string
  count: number
  /** Share of the first step, 0–1 (0 when the first step is 0). */
  ofFirst: number
  /** Share of the previous step, null for the first step or after an empty one. */
  ofPrevious: number | null
}

export function funnelSteps(steps: readonly { label: string; count: number }[]): FunnelStep[] {
  const first = steps[0]?.count ?? 0
  return steps.map((s, i) => {
    const prev = i > 0 ? steps[i - 1].count : 0
    return {
      label: s.label,
      count: s.count,
      ofFirst: first > 0 ? Math.min(1, s.count / first) : 0,
      ofPrevious: i === 0 || prev === 0 ? null : s.count / prev,
    }
  })
}

/** A share as a whole percentage ("42 %"), or an en dash when there is none. */
export function pct(v: number | null, digits = 0): string {
  return v === null || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)} %`
}
