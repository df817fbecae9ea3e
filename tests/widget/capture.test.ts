import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { selectorMatchesPath } from '../../worker/src/features/selector-path'
import { classifyClick } from '../../widget/src/capture/clicks'
import { elementPath } from '../../widget/src/capture/element-path'
import { watchRoutes } from '../../widget/src/capture/pages'
import { stripUrl } from '../../widget/src/privacy'
import { Session } from '../../widget/src/session'
import type { ConfigFeature } from '../../shared/config'

const features: ConfigFeature[] = [
  { key: 'report.export', name: 'Export report', rules: [{ match: 'click', selector: '#export', path: '/reports' }] },
  { key: 'invoice.send', name: 'Send invoice', rules: [{ match: 'attribute' }] },
  { key: 'broken', name: 'Broken', rules: [{ match: 'click', selector: '!!not a selector' }] },
]

beforeEach(() => {
  localStorage.clear()
  document.body.innerHTML = `
    <main id="view"><div class="toolbar">
      <button id="export"><span id="inner">Export</span></button>
      <button data-uptake-feature="invoice.send">Send <b id="bold">now</b></button>
      <button class="plain primary" data-testid="other">Other</button>
      <input id="secret" value="hunter2">
      <p id="text">just text</p>
    </div></main>`
})

const el = (sel: string) => document.querySelector(sel)!

describe('classifyClick', () => {
  it('turns a click inside a data-uptake-feature element into that feature', () => {
    expect(classifyClick(el('#bold'), features, '/invoices')).toMatchObject({
      event: 'Send invoice',
      properties: { feature: 'invoice.send' },
    })
  })

  it('applies a server click rule on a matching path, including clicks on children', () => {
    expect(classifyClick(el('#inner'), features, '/reports')).toMatchObject({
      event: 'Export report',
      properties: { feature: 'report.export', path: '/reports' },
    })
  })

  it('keeps a click that matches no rule as a raw $click the server can re-match later', () => {
    const hit = classifyClick(el('#inner'), features, '/elsewhere')!
    expect(hit.event).toBe('$click')
    expect(selectorMatchesPath('#export', hit.properties.selector as string)).toBe(true)
    expect(selectorMatchesPath('main .toolbar > button', hit.properties.selector as string)).toBe(true)
    expect(selectorMatchesPath('#other', hit.properties.selector as string)).toBe(false)
  })

  it('ignores clicks on non-interactive elements and never reads input values', () => {
    expect(classifyClick(el('#text'), features, '/reports')).toBeNull()
    expect(JSON.stringify(classifyClick(el('#secret'), features, '/'))).not.toContain('hunter2')
  })

  it("keeps no text from a clicked label wrapping a text area or select, whose text is the user's value", () => {
    document.body.innerHTML = '<label id="note">Note <textarea>my salary is 90k</textarea></label>'
    const hit = classifyClick(el('#note'), features, '/')!
    expect(hit.event).toBe('$click')
    expect(hit.properties.text).toBe('')
  })

  it('truncates the text it keeps', () => {
    document.body.innerHTML = `<button id="long">${'word '.repeat(40)}</button>`
    expect((classifyClick(el('#long'), features, '/')!.properties.text as string).length).toBeLessThanOrEqual(60)
  })

  it('survives an invalid selector in a rule', () => {
    expect(() => classifyClick(el('[data-testid="other"]'), features, '/')).not.toThrow()
  })
})

describe('elementPath', () => {
  it('describes tag, id, classes and selected attributes, outermost first', () => {
    expect(elementPath(el('[data-testid="other"]'))).toBe('main#view > div.toolbar > button.plain.primary[data-testid="other"]')
  })
})

describe('Session', () => {
  it('starts a new session after 30 minutes without activity', () => {
    let now = 1_000_000
    const s = new Session(30 * 60_000, () => now)
    expect(s.touch()).toBe(true)
    now += 29 * 60_000
    expect(s.touch()).toBe(false)
    now += 31 * 60_000
    expect(s.touch()).toBe(true)
  })

  it('counts one login per session whoever reports it', () => {
    let now = 0
    const s = new Session(30 * 60_000, () => now)
    s.touch()
    expect(s.markLogin()).toBe(true)
    expect(s.markLogin()).toBe(false)
    now += 31 * 60_000
    s.touch()
    expect(s.markLogin()).toBe(true)
  })

  it('shares the session with other tabs through storage', () => {
    let now = 0
    const tabA = new Session(30 * 60_000, () => now)
    tabA.touch()
    const tabB = new Session(30 * 60_000, () => now)
    now += 10 * 60_000
    expect(tabB.touch()).toBe(false)
    expect(tabB.state.id).toBe(tabA.state.id)
  })
})

describe('stripUrl', () => {
  it.each([
    ['https://app.test/x?token=abc&tab=2', ['token'], 'https://app.test/x?tab=2'],
    ['https://app.test/x?Email=a%40b&q=1', ['email'], 'https://app.test/x?q=1'],
    ['https://app.test/x', ['token'], 'https://app.test/x'],
    ['not a url', ['token'], 'not a url'],
  ])('%s without %j is %s', (url, params, expected) => expect(stripUrl(url, params)).toBe(expected))
})

describe('watchRoutes', () => {
  afterEach(() => vi.useRealTimers())
  it('reports pushState, replaceState and hash changes once per distinct URL', async () => {
    vi.useFakeTimers()
    const onRoute = vi.fn()
    watchRoutes(onRoute)
    history.pushState({}, '', '/a')
    history.pushState({}, '', '/a')
    await vi.advanceTimersByTimeAsync(1)
    expect(onRoute).toHaveBeenCalledTimes(1)
    history.replaceState({}, '', '/b')
    await vi.advanceTimersByTimeAsync(1)
    expect(onRoute).toHaveBeenCalledTimes(2)
  })
})
