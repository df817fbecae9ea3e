import { describe, expect, it } from 'vitest'
import { pathMatches } from '../../../shared/path-pattern'
import { featureForClick } from '../../../worker/src/features/click-match'
import { parseSelector, selectorMatchesPath } from '../../../worker/src/features/selector-path'

const path = 'main#view > div.toolbar.dark > section > button#export.btn.primary[data-testid="exp"]'

describe('selectorMatchesPath', () => {
  it.each([
    ['#export', true],
    ['button', true],
    ['button.primary', true],
    ['button.secondary', false],
    ['.toolbar button', true],
    ['.toolbar > button', false],
    ['.toolbar > section > button', true],
    ['main .dark #export', true],
    ['[data-testid="exp"]', true],
    ['[data-testid]', true],
    ['[data-testid="other"]', false],
    ['a, #export', true],
    ['div.toolbar', true], // a click inside a matching ancestor counts
    ['nav button', false],
    ['*', true],
    ['button:hover', false], // outside the supported subset: never matches rather than guessing
  ])('%s → %s', (selector, expected) => expect(selectorMatchesPath(selector, path)).toBe(expected))

  it('parses combinators left to right', () => {
    expect(parseSelector('a > b c')?.map((c) => [c.tag, c.combinator])).toEqual([
      ['a', ' '],
      ['b', '>'],
      ['c', ' '],
    ])
  })
})

describe('pathMatches', () => {
  it.each([
    ['/reports', '/reports', true],
    ['/reports', '/reports/', true],
    ['/reports', '/reports/2024', false],
    ['/projects/*/settings', '/projects/42/settings', true],
    ['/projects/*/settings', '/projects/42/x/settings', false],
    ['/projects/**', '/projects/42/x/settings', true],
    ['/projects/**/settings', '/projects/settings', true],
    ['/**', '/anything/at/all', true],
  ])('%s on %s → %s', (pattern, p, expected) => expect(pathMatches(pattern, p)).toBe(expected))
})

describe('featureForClick', () => {
  const features = [
    {
      key: 'a',
      name: 'A',
      kind: 'feature' as const,
      core: false,
      rules: [{ match: 'click' as const, selector: '#export', path: '/reports' }],
    },
    { key: 'b', name: 'B', kind: 'feature' as const, core: false, rules: [{ match: 'click' as const, selector: '.toolbar button' }] },
  ]
  it('takes the first feature whose rule matches both path and selector', () => {
    expect(featureForClick(features, { selector: path, path: '/reports' })?.key).toBe('a')
    expect(featureForClick(features, { selector: path, path: '/home' })?.key).toBe('b')
    expect(featureForClick(features, { selector: 'nav > a', path: '/home' })).toBeUndefined()
    expect(featureForClick(features, { selector: 42 })).toBeUndefined()
  })
})
