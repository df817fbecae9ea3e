import { describe, expect, it } from 'vitest'
import { elementPathViolation, MAX_ELEMENT_PATH_LENGTH } from '../../shared/limits'
import { elementPath } from '../../widget/src/capture/element-path'

const long = (c: string) => c.repeat(64)

/** Six nested buttons-in-divs, each with the longest id, classes and kept attributes the builder keeps. */
function heavyTree(): Element {
  const attrs = ['data-testid', 'data-test', 'data-action', 'name', 'role', 'type']
    .map((a, i) => `${a}="${long(String.fromCharCode(97 + i))}"`)
    .join(' ')
  const classes = ['k', 'l', 'm', 'n'].map(long).join(' ')
  let html = `<button id="${long('z')}" class="${classes}" ${attrs}>go</button>`
  for (let i = 0; i < 6; i++) html = `<div id="d${i}${long('y').slice(3)}" class="${classes}" ${attrs}>${html}</div>`
  document.body.innerHTML = html
  return document.querySelector('button')!
}

describe('elementPath bounds', () => {
  it('stays within the length the server accepts, keeping the clicked element and its nearest ancestors', () => {
    const path = elementPath(heavyTree())
    expect(path.length).toBeLessThanOrEqual(MAX_ELEMENT_PATH_LENGTH)
    expect(elementPathViolation(path)).toBeNull()
    expect(path.endsWith(`[type="${long('f')}"]`)).toBe(true)
    expect(path.split(' > ').at(-1)).toMatch(/^button#z+\./)
  })

  it('truncates an unbounded custom element name', () => {
    document.body.innerHTML = `<x-${'q'.repeat(2000)} role="button">go</x-${'q'.repeat(2000)}>`
    const path = elementPath(document.body.firstElementChild!)
    expect(path.length).toBeLessThanOrEqual(MAX_ELEMENT_PATH_LENGTH)
    expect(path.startsWith('x-qqq')).toBe(true)
  })
})
