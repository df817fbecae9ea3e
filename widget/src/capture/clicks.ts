import type { ConfigFeature } from '../../../shared/config'
import { pathMatches } from '../../../shared/path-pattern'
import { elementPath, elementText } from './element-path'

export const INTERACTIVE =
  'a,button,[role=button],[role=link],[role=menuitem],[role=tab],input[type=submit],input[type=button],summary,label,[data-uptake-feature]'

export interface ClickCapture {
  event: string
  properties: Record<string, unknown>
}

function safeClosest(el: Element, selector: string): Element | null {
  try {
    return el.closest(selector)
  } catch {
    return null // an invalid selector from the server must not break capture
  }
}

/**
 * What a click means: a `data-uptake-feature` element, a server click rule, or a raw `$click` on an
 * interactive element kept for rules added later. Null when the click is on nothing interactive.
 */
export function classifyClick(target: Element, features: ConfigFeature[], pathname: string): ClickCapture | null {
  const tagged = safeClosest(target, '[data-uptake-feature]')
  if (tagged) {
    const key = tagged.getAttribute('data-uptake-feature') ?? ''
    const name = features.find((f) => f.key === key)?.name ?? key
    return key
      ? { event: name, properties: { feature: key, selector: elementPath(tagged), text: elementText(tagged), path: pathname } }
      : null
  }
  for (const f of features) {
    for (const rule of f.rules) {
      if (rule.match !== 'click' || (rule.path && !pathMatches(rule.path, pathname))) continue
      const hit = safeClosest(target, rule.selector)
      if (hit) return { event: f.name, properties: { feature: f.key, selector: elementPath(hit), text: elementText(hit), path: pathname } }
    }
  }
  const interactive = safeClosest(target, INTERACTIVE)
  if (!interactive) return null
  return { event: '$click', properties: { selector: elementPath(interactive), text: elementText(interactive), path: pathname } }
}
