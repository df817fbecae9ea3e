import { h, render } from 'preact'
import { afterEach, describe, expect, it } from 'vitest'
import { RichText } from '../../widget/src/nudges/rich-text'

function html(text: string): HTMLElement {
  const root = document.createElement('div')
  render(h(RichText, { text }), root)
  return root
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('RichText links', () => {
  it('renders a link to a path on this site', () => {
    const a = html('See [the docs](/help/export?x=1#csv) now').querySelector('a')
    expect(a?.getAttribute('href')).toBe('/help/export?x=1#csv')
    expect(a?.textContent).toBe('the docs')
  })

  it.each([
    '[x](//evil.example)',
    '[x](/\\evil.example)',
    '[x](/\\\\evil.example)',
    '[x](javascript:alert(1))',
    '[x](https://evil.example/)',
    '[x](/\t/evil.example)',
    '[x](/ /evil.example)',
    '[x](data:text/html,hi)',
  ])('keeps %j as plain text', (text) => {
    const root = html(`Before ${text} after`)
    expect(root.querySelector('a')).toBeNull()
    expect(root.textContent).toBe(`Before ${text} after`)
  })

  it('still renders bold and italic beside a refused link', () => {
    const root = html('**bold** [x](//evil.example) *it*')
    expect(root.querySelector('strong')?.textContent).toBe('bold')
    expect(root.querySelector('em')?.textContent).toBe('it')
    expect(root.querySelector('a')).toBeNull()
  })
})
