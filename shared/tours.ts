/** A tour's progress as a pure state machine, shared by the tours chunk (what to show next) and the worker (what to keep). */

/** Most steps a tour may have. */
export const MAX_TOUR_STEPS = 20

export type TourStatus = 'active' | 'dismissed' | 'completed'
export interface TourState {
  /** The step on screen (0-based), always within the tour. */
  step: number
  status: TourStatus
}
/** next / back / skip from the tour card, restart from the launcher. */
export type TourMove = 'next' | 'back' | 'skip' | 'restart'

/** Where a step index lands in a tour of `total` steps (a tour edited to fewer steps resumes at its last one). */
export const clampStep = (step: number, total: number) => Math.max(0, Math.min(Number.isInteger(step) ? step : 0, total - 1))

/**
 * The state after a move: next past the last step completes the tour, back stops at the first, skip dismisses
 * where the user is; a finished (dismissed or completed) tour only moves again by a restart, which starts at step 0.
 */
export function moveTour(state: TourState, move: TourMove, total: number): TourState {
  const step = clampStep(state.step, total)
  if (move === 'restart') return { step: 0, status: 'active' }
  if (state.status !== 'active') return { step, status: state.status }
  if (move === 'skip') return { step, status: 'dismissed' }
  if (move === 'back') return { step: Math.max(0, step - 1), status: 'active' }
  return step + 1 < total ? { step: step + 1, status: 'active' } : { step, status: 'completed' }
}

/** The interaction the widget reports for a move from `step` (with property `step`): the worker's name for it. */
export function moveAction(
  state: TourState,
  move: TourMove,
  total: number,
): 'advanced' | 'wentBack' | 'dismissed' | 'completed' | 'restarted' {
  if (move === 'restart') return 'restarted'
  if (move === 'skip') return 'dismissed'
  if (move === 'back') return 'wentBack'
  return clampStep(state.step, total) + 1 < total ? 'advanced' : 'completed'
}

/** The step the server keeps after an interaction reported at `step`: the same transitions, without the tour's length. */
export function keptStep(action: string, step: number): number | null {
  const last = MAX_TOUR_STEPS - 1
  if (!Number.isInteger(step) || step < 0 || step > last) return null
  if (action === 'advanced') return Math.min(step + 1, last)
  if (action === 'wentBack') return Math.max(step - 1, 0)
  if (action === 'restarted') return 0
  return step
}
