import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clampStep, keptStep, MAX_TOUR_STEPS, moveAction, moveTour, type TourMove, type TourState } from '../../../shared/tours'

const total = fc.integer({ min: 1, max: MAX_TOUR_STEPS })
const move = fc.constantFrom<TourMove>('next', 'back', 'skip', 'restart')
const status = fc.constantFrom<TourState['status']>('active', 'dismissed', 'completed')

describe('tour state machine', () => {
  it('walks a three-step tour: next, next, back, next, next completes; skip dismisses where the user is', () => {
    let s: TourState = { step: 0, status: 'active' }
    const steps: string[] = []
    for (const m of ['next', 'next', 'back', 'next', 'next'] as TourMove[]) {
      steps.push(moveAction(s, m, 3))
      s = moveTour(s, m, 3)
    }
    expect(steps).toEqual(['advanced', 'advanced', 'wentBack', 'advanced', 'completed'])
    expect(s).toEqual({ step: 2, status: 'completed' })
    expect(moveTour({ step: 1, status: 'active' }, 'skip', 3)).toEqual({ step: 1, status: 'dismissed' })
    expect(moveTour({ step: 0, status: 'active' }, 'back', 3)).toEqual({ step: 0, status: 'active' })
  })

  it('keeps the step within the tour whatever the moves, also from a step beyond a tour edited shorter', () => {
    fc.assert(
      fc.property(total, fc.integer({ min: -5, max: 40 }), fc.array(move, { maxLength: 60 }), (n, start, moves) => {
        let s: TourState = { step: start, status: 'active' }
        for (const m of moves) {
          s = moveTour(s, m, n)
          expect(s.step).toBeGreaterThanOrEqual(0)
          expect(s.step).toBeLessThan(n)
        }
      }),
    )
  })

  it('completes only by next on the last step; n nexts from the start complete a tour of n steps', () => {
    fc.assert(
      fc.property(total, fc.integer({ min: 0, max: 19 }), (n, step) => {
        const s = { step: clampStep(step, n), status: 'active' as const }
        expect(moveTour(s, 'next', n).status).toBe(s.step === n - 1 ? 'completed' : 'active')
        let t: TourState = { step: 0, status: 'active' }
        for (let i = 0; i < n; i++) t = moveTour(t, 'next', n)
        expect(t.status).toBe('completed')
      }),
    )
  })

  it('leaves a finished tour as it is except for a restart, which always starts at the first step', () => {
    fc.assert(
      fc.property(total, fc.integer({ min: 0, max: 19 }), status, move, (n, step, st, m) => {
        const after = moveTour({ step, status: st }, m, n)
        if (m === 'restart') expect(after).toEqual({ step: 0, status: 'active' })
        else if (st !== 'active') expect(after).toEqual({ step: clampStep(step, n), status: st })
      }),
    )
  })

  it('back undoes next on every step but the last (where next completes)', () => {
    fc.assert(
      fc.property(total, fc.integer({ min: 0, max: 19 }), (n, step) => {
        const s = { step: clampStep(step, n), status: 'active' as const }
        if (s.step < n - 1) expect(moveTour(moveTour(s, 'next', n), 'back', n)).toEqual(s)
      }),
    )
  })

  it('the server keeps the step the widget moved to, from the reported step alone', () => {
    fc.assert(
      fc.property(total, fc.integer({ min: 0, max: 19 }), fc.constantFrom<TourMove>('next', 'back', 'restart'), (n, step, m) => {
        const s = { step: clampStep(step, n), status: 'active' as const }
        const after = moveTour(s, m, n)
        const action = moveAction(s, m, n)
        if (action !== 'completed') expect(clampStep(keptStep(action, s.step)!, n)).toBe(after.step)
      }),
    )
    expect(keptStep('advanced', 20)).toBeNull()
    expect(keptStep('advanced', 1.5)).toBeNull()
  })
})
