import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DueNudge } from '../../shared/nudge-events'
import type { NudgeUI } from '../../widget/src/nudges/host'

let ui: NudgeUI
const host = { report: vi.fn(), navigate: vi.fn() }
const tip = (key: string, anchor: string): DueNudge => ({ key, kind: 'tooltip', anchor, title: 'Tip', body: 'Body', buttons: [] })
const reported = (action: string) => host.report.mock.calls.filter(([a]) => a === action).map(([, key]) => key)

beforeAll(async () => {
  await import('../../widget/src/nudges/index')
  ui = (window as unknown as Record<string, NudgeUI>).__uptakeNudges
})
beforeEach(() => {
  vi.useFakeTimers()
  host.report.mockClear()
  history.replaceState({}, '', '/reports')
  document.body.innerHTML = '<main></main>'
})
afterEach(() => {
  ui.render({ nudges: [] }, host)
  vi.useRealTimers()
})

describe('a nudge waiting for a late anchor', () => {
  it('shows when the anchor appears on the same page', async () => {
    ui.render({ nudges: [tip('late', '#late')] }, host)
    await vi.advanceTimersByTimeAsync(1000)
    document.querySelector('main')!.innerHTML = '<button id="late">Export</button>'
    await vi.advanceTimersByTimeAsync(300)
    expect(reported('shown')).toEqual(['late'])
  })

  it('reports a missing anchor when it never appears on that page', async () => {
    ui.render({ nudges: [tip('never', '#never')] }, host)
    await vi.advanceTimersByTimeAsync(6000)
    expect(reported('anchorMissing')).toEqual(['never'])
  })

  it.each([
    ['pushState', () => history.pushState({}, '', '/invoices')],
    ['hashchange', () => (location.hash = '#tab-2')],
  ])('stops waiting when the page navigates (%s): no report under the next page, no card there', async (_, navigate) => {
    ui.render({ nudges: [tip('moved', '#late')] }, host)
    await vi.advanceTimersByTimeAsync(1000)
    navigate()
    // the next page happens to have an element matching the selector
    document.querySelector('main')!.innerHTML = '<button id="late">Other page</button>'
    await vi.advanceTimersByTimeAsync(6000)
    expect(host.report).not.toHaveBeenCalled()
    expect(document.querySelector('[data-uptake-host="moved"]')).toBeNull()
  })

  it('waits afresh when the next page still has it due', async () => {
    ui.render({ nudges: [tip('again', '#late')] }, host)
    await vi.advanceTimersByTimeAsync(500)
    history.pushState({}, '', '/invoices')
    await vi.advanceTimersByTimeAsync(300) // the route change is noticed
    ui.render({ nudges: [tip('again', '#late')] }, host) // the new page's decision
    document.querySelector('main')!.innerHTML = '<button id="late">Export</button>'
    await vi.advanceTimersByTimeAsync(300)
    expect(reported('shown')).toEqual(['again'])
    expect(reported('anchorMissing')).toEqual([])
  })
})
