import { afterEach, describe, expect, it, vi } from 'vitest'
import { Engagement } from '../../widget/src/capture/engagement'

let now = 0
const clock = () => now

/** Advances the clock in 5-second ticks, giving input first when `active`. */
function run(e: Engagement, seconds: number, active: boolean) {
  for (let s = 0; s < seconds; s += 5) {
    if (active) e.input()
    now += 5000
    e.tick()
  }
}

afterEach(() => {
  now = 0
  vi.restoreAllMocks()
})

describe('Engagement (time in product)', () => {
  it('reports a minute of engaged time once a visible tab has had input for a minute', () => {
    const report = vi.fn()
    const e = new Engagement(report, clock)
    run(e, 60, true)
    expect(report).toHaveBeenCalledExactlyOnceWith(60)
  })

  it('stops counting a minute after the last input, however long the tab stays open', () => {
    const report = vi.fn()
    const e = new Engagement(report, clock)
    run(e, 10, true)
    run(e, 600, false)
    e.flush()
    const total = report.mock.calls.reduce((sum, [s]) => sum + s, 0)
    expect(total).toBe(65) // last input at 5 s, counted until 60 s after it
  })

  it('counts nothing while the tab is hidden', () => {
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    const report = vi.fn()
    const e = new Engagement(report, clock)
    run(e, 120, true)
    e.flush()
    expect(report).not.toHaveBeenCalled()
  })

  it('flushes the partial count on page hide and never reports zero', () => {
    const report = vi.fn()
    const e = new Engagement(report, clock)
    e.flush()
    run(e, 15, true)
    e.flush()
    e.flush()
    expect(report.mock.calls).toEqual([[15]])
  })
})
