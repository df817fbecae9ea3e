import type { Feature } from '../../../shared/features'
import { pathMatches } from '../../../shared/path-pattern'
import { selectorMatchesPath } from './selector-path'

/** What the widget stores of a click that matched no rule. */
export interface StoredClick {
  selector?: unknown
  path?: unknown
}

/** The first feature whose click rule matches a stored click, for retroactive tagging. */
export function featureForClick(features: Feature[], click: StoredClick): Feature | undefined {
  if (typeof click.selector !== 'string') return undefined
  const page = typeof click.path === 'string' ? click.path : ''
  return features.find((f) =>
    f.rules.some(
      (r) => r.match === 'click' && (!r.path || pathMatches(r.path, page)) && selectorMatchesPath(r.selector, click.selector as string),
    ),
  )
}
