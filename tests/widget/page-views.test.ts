import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { clearAll } from '../../widget/src/storage'
import { stubIngest } from './fake-ingest'

interface Sent {
  type: string
  event?: string
  name?: string | null
  properties?: { path?: string }
}
type Api = Record<string, (...args: unknown[]) => unknown>

const w = window as unknown as { uptake?: unknown }
let sent: Sent[] = []
const { pushState, replaceState } = history
let undo: (() => void)[] = []

/** Each test loads its own copy of the widget: the previous one's history hooks and listeners are taken away. */
function isolate() {
  for (const target of [window, document]) {
    const add = target.addEventListener
    vi.spyOn(target, 'addEventListener').mockImplementation(function (
      this: EventTarget,
      type: string,
      fn: EventListenerOrEventListenerObject,
      options?: boolean | AddEventListenerOptions,
    ) {
      undo.push(() => target.removeEventListener(type, fn, options))
      return add.call(this, type, fn, options)
    })
  }
}

/** Loads the built entry point with `queued` as the page's `window.uptake` (the snippet's stub or a host's array). */
async function load(queued: unknown[][] = [['init', { writeKey: 'wk', host: 'https://uptake.test' }]]) {
  vi.resetModules()
  w.uptake = queued
  await import('../../widget/src/index')
  await vi.advanceTimersByTimeAsync(10) // the config arrives: the first page view
  return queued
}
const api = () => w.uptake as Api
/** Waits for the route watcher (it runs after the host's own state change) and the batch flush. */
const settle = () => vi.advanceTimersByTimeAsync(3000)
const pages = () => sent.filter((e) => e.type === 'page').map((e) => e.properties?.path + (e.name ? ` (${e.name})` : ''))

beforeEach(() => {
  isolate()
  vi.useFakeTimers()
  clearAll()
  localStorage.clear()
  history.replaceState({}, '', '/start')
  sent = []
  stubIngest(sent)
})
afterEach(() => {
  for (const fn of undo) fn()
  undo = []
  Object.assign(history, { pushState, replaceState })
  vi.restoreAllMocks()
  delete w.uptake
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('one page view per URL, whatever the host does', () => {
  it('counts a load once when the host also calls page() from the snippet queue', async () => {
    await load([['init', { writeKey: 'wk', host: 'https://uptake.test' }], ['page']])
    await settle()
    expect(pages()).toEqual(['/start'])
  })

  it('counts each route change once when the router calls page() after pushState', async () => {
    await load()
    history.pushState({}, '', '/invoices')
    api().page('Invoices')
    await settle()
    expect(pages()).toEqual(['/start', '/invoices (Invoices)'])
  })

  it('counts each route change once when the router calls page() before pushState', async () => {
    await load()
    api().page()
    history.pushState({}, '', '/invoices')
    await settle()
    expect(pages()).toEqual(['/start', '/invoices'])
  })

  it('ignores a second page() for the same URL, and counts a return to an earlier URL', async () => {
    await load()
    api().page()
    api().page('Again')
    history.pushState({}, '', '/b')
    await settle()
    history.back()
    await vi.waitFor(() => expect(location.pathname).toBe('/start'))
    await settle()
    expect(pages()).toEqual(['/start', '/b', '/start'])
  })

  it('leaves page views to the host with init({ autoPage: false }), still once per URL', async () => {
    await load([['init', { writeKey: 'wk', host: 'https://uptake.test', autoPage: false }]])
    history.pushState({}, '', '/invoices')
    await settle()
    expect(pages()).toEqual([])
    api().page('Invoices')
    api().page('Invoices')
    history.pushState({}, '', '/reports')
    api().page('Reports')
    await settle()
    expect(pages()).toEqual(['/invoices (Invoices)', '/reports (Reports)'])
  })
})

describe('uptake.push: a queue that works before and after uptake.js loads', () => {
  it('replays calls a host script pushed before load, and runs the ones pushed after', async () => {
    // the host's own external script: no inline snippet
    w.uptake = (w.uptake as unknown[][] | undefined) ?? []
    ;(w.uptake as unknown[][]).push(['init', { writeKey: 'wk', host: 'https://uptake.test' }], ['track', 'Before Load'])
    const kept = await load(w.uptake as unknown[][])
    // later code written the same way: `window.uptake = window.uptake || []` keeps the real API
    w.uptake = w.uptake || []
    ;(w.uptake as { push: (...c: unknown[][]) => void }).push(['track', 'After Load'], ['noSuchMethod'], ['track', 'After Unknown'])
    kept.push(['track', 'Through Kept Reference']) // a host that kept the array it created
    await settle()
    expect(sent.filter((e) => e.type === 'track').map((e) => e.event)).toEqual([
      'Before Load',
      'After Load',
      'After Unknown',
      'Through Kept Reference',
    ])
  })
})
