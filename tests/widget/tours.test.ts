import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DueTour, Guide, NudgesResponse } from '../../shared/nudge-events'
import type { ToursUI } from '../../widget/src/tours/host'

let ui: ToursUI
const host = { report: vi.fn(), navigate: vi.fn((path: string) => history.pushState({}, '', path)) }
const reports = () => host.report.mock.calls.map(([action, key, props]) => [action, key, props?.step])

const tour = (extra: Partial<DueTour> = {}): DueTour => ({
  key: 'tour',
  title: 'Invoicing',
  step: 0,
  steps: [
    { placement: 'auto', title: 'Welcome', body: 'Start **here**', buttons: [] },
    { placement: 'auto', anchor: '#new', title: 'New invoice', body: 'Click it', buttons: [] },
    { placement: 'auto', path: '/reports', title: 'Reports', body: 'Export', buttons: [] },
  ],
  ...extra,
})
const render = (answer: Partial<NudgesResponse>) => ui.render({ nudges: [], ...answer }, host)
const shadow = (key = 'tour') => document.querySelector(`[data-uptake-host="${key}"]`)?.shadowRoot ?? null
const dialog = () => shadow()?.querySelector<HTMLElement>('[role="dialog"]') ?? null
const button = (text: string, key = 'tour') =>
  Array.from(shadow(key)?.querySelectorAll<HTMLButtonElement>('button') ?? []).find((b) => b.textContent === text)!
const key = (k: string) => document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }))

beforeAll(async () => {
  await import('../../widget/src/tours/index')
  ui = (window as unknown as Record<string, ToursUI>).__uptakeTours
})
beforeEach(() => {
  host.report.mockClear()
  host.navigate.mockClear()
  history.replaceState({}, '', '/invoices')
  document.body.innerHTML = '<main><button id="new">New</button></main>'
})
afterEach(() => render({ tours: [] }))

describe('a tour', () => {
  it('shows its step as a labelled dialog with its progress, focus on Next, and reports the step shown', async () => {
    render({ tours: [tour()] })
    await vi.waitFor(() => expect(dialog()).toBeTruthy())
    const d = dialog()!
    expect(d.querySelector('.prog')?.textContent).toBe('1 of 3')
    expect(shadow()!.getElementById(d.getAttribute('aria-labelledby')!)?.textContent).toBe('Welcome')
    expect(shadow()!.getElementById(d.getAttribute('aria-describedby')!)?.innerHTML).toBe('Start <strong>here</strong>')
    expect(d.classList.contains('float')).toBe(true)
    expect(shadow()!.activeElement?.textContent).toBe('Next')
    expect(button('Back')).toBeUndefined() // nothing before the first step
    expect(reports()).toEqual([['shown', 'tour', 0]])
  })

  it('goes next to an anchored step, back, and reports each move with the step it was made on', async () => {
    render({ tours: [tour()] })
    await vi.waitFor(() => expect(dialog()).toBeTruthy())
    button('Next').click()
    await vi.waitFor(() => expect(dialog()?.querySelector('.prog')?.textContent).toBe('2 of 3'))
    expect(dialog()!.classList.contains('float')).toBe(false) // next to #new
    button('Back').click()
    await vi.waitFor(() => expect(dialog()?.querySelector('.prog')?.textContent).toBe('1 of 3'))
    expect(reports()).toEqual([
      ['shown', 'tour', 0],
      ['advanced', 'tour', 0],
      ['shown', 'tour', 1],
      ['wentBack', 'tour', 1],
      ['shown', 'tour', 0],
    ])
  })

  it('takes the user to a later step’s page, and completes on Done', async () => {
    render({ tours: [tour({ step: 1 })] })
    await vi.waitFor(() => expect(dialog()).toBeTruthy())
    button('Next').click()
    expect(host.navigate).toHaveBeenCalledWith('/reports')
    await vi.waitFor(() => expect(dialog()?.querySelector('.prog')?.textContent).toBe('3 of 3'))
    button('Done').click()
    expect(dialog()).toBeNull()
    expect(reports().slice(-1)).toEqual([['completed', 'tour', 2]])
  })

  it('waits for a step’s page: nothing on another page, the step once the user gets there', async () => {
    render({ tours: [tour({ step: 2 })] })
    await new Promise((r) => setTimeout(r, 50))
    expect(dialog()).toBeNull()
    history.pushState({}, '', '/reports')
    render({ tours: [tour({ step: 2 })] })
    await vi.waitFor(() => expect(dialog()?.querySelector('.prog')?.textContent).toBe('3 of 3'))
  })

  it('is skipped with Escape or Skip tour, and closes when the server no longer sends it', async () => {
    render({ tours: [tour()] })
    await vi.waitFor(() => expect(dialog()).toBeTruthy())
    key('Escape')
    expect(dialog()).toBeNull()
    expect(reports().slice(-1)).toEqual([['dismissed', 'tour', 0]])
    render({ tours: [tour({ key: 'other' })] })
    await vi.waitFor(() => expect(shadow('other')).toBeTruthy())
    button('Skip tour', 'other').click()
    expect(reports().slice(-1)).toEqual([['dismissed', 'other', 0]])
    render({ tours: [tour({ key: 'third' })] })
    await vi.waitFor(() => expect(shadow('third')).toBeTruthy())
    render({ tours: [] })
    expect(shadow('third')).toBeNull()
  })

  it('never throws into the page, whatever arrives', () => {
    expect(() => render({ tours: [{ key: 'x', title: 'x', step: 4, steps: [] }] })).not.toThrow()
    expect(() => ui.render(null as never, host)).not.toThrow()
  })
})

describe('the launcher', () => {
  const guides: Guide[] = [
    { key: 'tour', kind: 'tour', title: 'Invoicing', status: 'dismissed', done: 1, total: 3, tour: tour({ step: 1 }) },
    {
      key: 'setup',
      kind: 'checklist',
      title: 'Set up',
      status: 'active',
      done: 1,
      total: 2,
      items: [
        { label: 'Send', done: true },
        { label: 'Add', done: false },
      ],
    },
  ]

  it('opens a panel of guides with progress and restarts a dismissed tour at its first step', async () => {
    render({ launcher: { position: 'bottom-left', label: 'Guides', guides } })
    const open = button('Guides', 'launcher')
    expect(open.classList.contains('left')).toBe(true)
    expect(open.getAttribute('aria-expanded')).toBe('false')
    open.click()
    expect(open.getAttribute('aria-expanded')).toBe('true')
    const panel = shadow('launcher')!.querySelector('[role="dialog"]')!
    expect(panel.getAttribute('aria-label')).toBe('Guides')
    expect(panel.textContent).toContain('Skipped at step 2 of 3')
    expect(panel.textContent).toContain('1 of 2 done')
    expect(shadow('launcher')!.activeElement?.textContent).toBe('Restart')
    button('Restart', 'launcher').click()
    await vi.waitFor(() => expect(dialog()?.querySelector('.prog')?.textContent).toBe('1 of 3'))
    expect(reports()).toEqual([
      ['restarted', 'tour', 0],
      ['shown', 'tour', 0],
    ])
    // started from the launcher: kept on screen until the server's next answer lists it
    render({ tours: [], launcher: { position: 'bottom-left', label: 'Guides', guides } })
    expect(dialog()).toBeTruthy()
  })

  it('sits above a nudge panel (the checklist) in the bottom-right corner instead of covering it', () => {
    const other = document.createElement('div')
    other.setAttribute('data-uptake-host', 'setup')
    other.attachShadow({ mode: 'open' }).innerHTML = '<div class="panel">Checklist</div>'
    document.body.append(other)
    render({ launcher: { position: 'bottom-right', label: 'Help', guides } })
    const lifted = shadow('launcher')!.querySelector<HTMLElement>('.u')!.style.getPropertyValue('--lb')
    expect(parseInt(lifted)).toBeGreaterThan(16)
    render({})
    other.remove()
    render({ launcher: { position: 'bottom-right', label: 'Help', guides } })
    expect(shadow('launcher')!.querySelector<HTMLElement>('.u')!.style.getPropertyValue('--lb')).toBe('16px')
  })

  it('closes its panel with Escape, focus back on the button, and goes when the server sends none', () => {
    render({ launcher: { position: 'bottom-right', label: 'Help', guides } })
    button('Help', 'launcher').click()
    key('Escape')
    expect(shadow('launcher')!.querySelector('[role="dialog"]')).toBeNull()
    expect(shadow('launcher')!.activeElement?.textContent).toBe('Help')
    render({})
    expect(shadow('launcher')).toBeNull()
  })
})
