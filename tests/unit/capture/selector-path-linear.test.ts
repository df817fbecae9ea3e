import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseElementPath, parseSelector, selectorMatchesPath, selectorMatchesSteps } from '../../../worker/src/features/selector-path'
import { reference } from './selector-path-reference'

// small alphabets so matches and near-misses are both common
const tag = fc.constantFrom('div', 'main', 'button', 'a')
const cls = fc.constantFrom('x', 'y', 'toolbar')
const compound = fc.record({
  tag: fc.option(tag, { nil: undefined }),
  id: fc.option(fc.constantFrom('e', 'f'), { nil: undefined }),
  classes: fc.uniqueArray(cls, { maxLength: 2 }),
})
const text = (c: { tag?: string; id?: string; classes: string[] }) =>
  `${c.tag ?? ''}${c.id ? `#${c.id}` : ''}${c.classes.map((k) => `.${k}`).join('')}` || '*'
const selectorArb = fc
  .array(fc.tuple(compound, fc.constantFrom(' ', ' > ')), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.map(([c, comb], i) => (i ? comb : '') + text(c)).join(''))
const pathArb = fc
  .array(fc.record({ tag, id: fc.option(fc.constantFrom('e', 'f'), { nil: undefined }), classes: fc.uniqueArray(cls, { maxLength: 3 }) }), {
    minLength: 1,
    maxLength: 9,
  })
  .map((steps) => steps.map(text).join(' > '))

describe('selector-path matcher (linear)', () => {
  it('agrees with the backtracking reference on small selectors and paths', () => {
    fc.assert(
      fc.property(selectorArb, pathArb, (selector, path) => {
        const sel = parseSelector(selector)!
        expect(selectorMatchesSteps(sel, parseElementPath(path))).toBe(reference(sel, parseElementPath(path), { steps: 0 }))
      }),
      { numRuns: 3000 },
    )
  })

  it('compares each path step at most once per selector part', () => {
    fc.assert(
      fc.property(selectorArb, pathArb, (selector, path) => {
        const sel = parseSelector(selector)!
        const steps = parseElementPath(path)
        const work = { steps: 0 }
        selectorMatchesSteps(sel, steps, work)
        expect(work.steps).toBeLessThanOrEqual(sel.length * steps.length)
      }),
    )
  })

  it('checks a crafted 31 KB path against a 3-part rule in a bounded number of step comparisons', () => {
    // every step matches two of the three parts and none matches `main`: the worst case for backtracking
    const path = Array.from({ length: 1200 }, () => 'div.toolbar > button.export').join(' > ')
    expect(path.length).toBeGreaterThan(31_000)
    const work = { steps: 0 }
    expect(selectorMatchesPath('main .toolbar button.export', path, work)).toBe(false)
    expect(work.steps).toBeLessThanOrEqual(3 * 2400)
    // the same rule still matches once a `main` ancestor is there
    expect(selectorMatchesPath('main .toolbar button.export', `main > ${path}`)).toBe(true)
  })

  it('does a small fraction of the backtracking work already on a 3 KB crafted path', () => {
    const path = Array.from({ length: 120 }, () => 'div.toolbar > button.export').join(' > ')
    const sel = parseSelector('main .toolbar button.export')!
    const steps = parseElementPath(path)
    const linear = { steps: 0 }
    const backtracking = { steps: 0 }
    expect(selectorMatchesSteps(sel, steps, linear)).toBe(reference(sel, steps, backtracking))
    expect(linear.steps).toBeLessThanOrEqual(3 * steps.length)
    expect(backtracking.steps).toBeGreaterThan(100 * linear.steps)
  })

  it('splits paths and selectors on > with any spacing, and drops a step that is not a compound', () => {
    // split on '>' then trim: `\s*>\s*` backtracked quadratically over a long run of spaces (bench/selector-path)
    expect(parseElementPath(`main${' '.repeat(5000)}>${' '.repeat(5000)}button`).map((s) => s.tag)).toEqual(['main', 'button'])
    expect(parseElementPath(`main${' '.repeat(5000)}button > a`).map((s) => s.tag)).toEqual(['a'])
    expect(parseSelector(`main${' '.repeat(5000)}>   button`)?.map((c) => [c.tag, c.combinator])).toEqual([
      ['main', ' '],
      ['button', '>'],
    ])
  })
})
