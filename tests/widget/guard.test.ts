import { afterEach, describe, expect, it, vi } from 'vitest'
import { guard, onWidgetError } from '../../widget/src/guard'

afterEach(() => onWidgetError(() => {}))

describe('guard', () => {
  it('swallows the widget’s own error, reports it to the sink, and returns undefined', () => {
    const sink = vi.fn()
    onWidgetError(sink)
    const onerror = vi.fn()
    window.addEventListener('error', onerror)
    const broken = guard('track', () => {
      throw new Error('boom')
    })
    expect(broken()).toBeUndefined()
    expect(sink).toHaveBeenCalledWith(expect.objectContaining({ message: 'boom' }), 'track')
    expect(onerror).not.toHaveBeenCalled()
  })

  it('survives a sink that throws too', () => {
    onWidgetError(() => {
      throw new Error('sink broke')
    })
    expect(() => guard('x', () => JSON.parse('{'))()).not.toThrow()
  })

  it('passes results through when nothing fails', () => {
    expect(guard('sum', (a: number, b: number) => a + b)(2, 3)).toBe(5)
  })
})
