import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { countDeep, isGenerated, proposeSelector } from '../../widget/src/builder/propose'
import { parseSelector, selectorMatchesPath } from '../../worker/src/features/selector-path'
import { elementPath } from '../../widget/src/capture/element-path'

afterEach(() => {
  document.body.innerHTML = ''
})

const html = (markup: string) => {
  document.body.innerHTML = markup
  return document.body
}
const pick = (selector: string, root: ParentNode = document) => root.querySelector(selector)!

describe('isGenerated', () => {
  it.each([
    'css-1x2y3z',
    'sc-bdVaJa',
    'jsx-123',
    'svelte-1k2j3h',
    'emotion-0',
    'Button_primary__3xk9a',
    'ember123',
    'a1b2c3',
    'x9fk2m1',
    'qzxrtpkw',
    ':r1:',
    'row-4711',
  ])('%s is generated', (name) => expect(isGenerated(name)).toBe(true))
  it.each(['export-btn', 'toolbar', 'btn', 'primary', 'nav-item', 'h2', 'col-6', 'invoice-list', 'btn-primary', 'rhythm'])(
    '%s is stable',
    (name) => expect(isGenerated(name)).toBe(false),
  )
})

describe('proposeSelector', () => {
  it('takes the test id before anything else', () => {
    html('<main><div class="toolbar"><button id="export" class="btn export" data-testid="export-csv">Export</button></div></main>')
    expect(proposeSelector(pick('button'))).toEqual({ selector: '[data-testid="export-csv"]', unique: true })
  })

  it('takes a hand-written id, never a generated one', () => {
    html('<button id="export-csv" class="css-1x2y3z">Export</button><button id=":r1:" class="sc-bdVaJa">Other</button>')
    expect(proposeSelector(pick('#export-csv')).selector).toBe('#export-csv')
    const other = proposeSelector(document.querySelectorAll('button')[1])
    expect(other.selector).not.toMatch(/r1|sc-|css-/)
  })

  it('uses aria-label, name, role and stable classes when there is no id, shortest unique first', () => {
    html('<nav><button class="css-abc123 icon" aria-label="Close">x</button><button class="icon primary">Save</button></nav>')
    expect(proposeSelector(pick('[aria-label]')).selector).toBe('button[aria-label="Close"]')
    expect(proposeSelector(pick('.primary')).selector).toBe('button.primary')
  })

  it('anchors under a stable ancestor when the element alone is not unique, never with nth-child', () => {
    html(
      '<section data-testid="reports"><div class="row"><button class="btn">Export</button></div></section>' +
        '<section data-testid="invoices"><div class="row"><button class="btn">Export</button></div></section>',
    )
    const { selector, unique } = proposeSelector(pick('[data-testid="invoices"] button'))
    expect(unique).toBe(true)
    expect(selector).toMatch(/^\[data-testid="invoices"\] (> )?button/)
    expect(document.querySelectorAll(selector)).toHaveLength(1)
  })

  it('works inside an open shadow root: unique within it, counted across the page', () => {
    html('<div id="host"></div><button data-testid="export-csv">Outside</button>')
    const shadow = pick('#host').attachShadow({ mode: 'open' })
    shadow.innerHTML = '<div class="card"><button data-testid="export-csv">Inside</button></div>'
    const inner = shadow.querySelector('button')!
    expect(proposeSelector(inner).selector).toBe('[data-testid="export-csv"]')
    expect(countDeep('[data-testid="export-csv"]')).toBe(2)
  })

  it('says when nothing singles the element out, with the least ambiguous selector', () => {
    html('<ul><li><a>One</a></li><li><a>Two</a></li></ul>')
    const p = proposeSelector(document.querySelectorAll('a')[1])
    expect(p.unique).toBe(false)
    expect(p.selector).not.toMatch(/nth/)
    expect(document.querySelectorAll(p.selector).length).toBeGreaterThan(1)
  })

  it('proposes what the server can match: a test id picked here matches the element path the widget records', () => {
    html('<main><div class="toolbar"><button class="btn" data-testid="export-csv">Export</button></div></main>')
    const el = pick('button')
    const { selector } = proposeSelector(el)
    expect(selectorMatchesPath(selector, elementPath(el))).toBe(true)
  })

  const word = fc.constantFrom('export', 'toolbar', 'btn', 'primary', 'nav', 'card', 'row', 'save', 'menu', 'item')
  const generated = fc.constantFrom('css-1x2y3z', 'sc-bdVaJa', 'jsx-123', 'Button_primary__3xk9a', 'a1b2c3')
  const node = fc.record({
    tag: fc.constantFrom('div', 'span', 'button', 'a', 'section', 'li'),
    classes: fc.array(fc.oneof(word, generated), { maxLength: 3 }),
    testid: fc.option(word, { nil: undefined }),
    id: fc.option(fc.oneof(word, generated), { nil: undefined }),
  })
  const tree = fc.array(fc.tuple(node, fc.nat(30)), { minLength: 1, maxLength: 25 })

  it('always matches the picked element, in the server’s subset, with no generated name and no nth-child (property)', () => {
    fc.assert(
      fc.property(tree, fc.nat(), (nodes, which) => {
        document.body.innerHTML = ''
        const els: Element[] = [document.body]
        for (const [n, parent] of nodes) {
          const el = document.createElement(n.tag)
          if (n.classes.length) el.className = n.classes.join(' ')
          if (n.testid) el.setAttribute('data-testid', n.testid)
          if (n.id) el.id = n.id
          els[parent % els.length].appendChild(el)
          els.push(el)
        }
        const el = els[1 + (which % (els.length - 1))]
        const { selector, unique } = proposeSelector(el)
        expect(el.matches(selector)).toBe(true)
        expect(selector).not.toMatch(/nth-|css-1x2y3z|sc-bdVaJa|jsx-123|__3xk9a|a1b2c3/)
        expect(selector.split(',').every((s) => parseSelector(s) !== null)).toBe(true)
        if (unique) expect(document.querySelectorAll(selector)).toHaveLength(1)
      }),
      { numRuns: 300 },
    )
  })
})
