/** Finds an element by selector in the document and in open shadow roots, depth first. */
export function deepQuery(selector: string, root: Document | ShadowRoot = document): Element | null {
  let found: Element | null = null
  try {
    found = root.querySelector(selector)
  } catch {
    return null
  }
  if (found) return found
  for (const el of Array.from(root.querySelectorAll('*'))) {
    if (el.shadowRoot && !el.hasAttribute('data-uptake-host')) {
      const inner = deepQuery(selector, el.shadowRoot)
      if (inner) return inner
    }
  }
  return null
}

/**
 * Waits for an anchor to appear (late renders); resolves null after `timeoutMs` on the same page (the anchor is
 * missing), or false as soon as the page navigates (pushState, popstate, hashchange): that page's nudges decide next.
 */
export function waitForAnchor(selector: string, timeoutMs = 5000): Promise<Element | null | false> {
  return new Promise((resolve) => {
    const now = deepQuery(selector)
    if (now) return resolve(now)
    const page = location.href
    const until = Date.now() + timeoutMs
    const timer = setInterval(() => {
      // checked before the query: an element on the next page is not this nudge's anchor
      const el = location.href === page && deepQuery(selector)
      if (el || location.href !== page || Date.now() > until) {
        clearInterval(timer)
        resolve(location.href === page ? el || null : false)
      }
    }, 150)
  })
}

/** Where a card goes next to its anchor: below it (or above, when preferred), on the other side when there is no room, kept on screen. */
export function placeNear(rect: DOMRect, size: { w: number; h: number }, view: { w: number; h: number }, prefer = 'below') {
  const gap = 10
  const fitsBelow = rect.bottom + gap + size.h <= view.h
  const below = prefer === 'above' ? rect.top - gap - size.h < 0 && fitsBelow : fitsBelow
  const top = below ? rect.bottom + gap : Math.max(8, rect.top - gap - size.h)
  const left = Math.min(Math.max(8, rect.left), Math.max(8, view.w - size.w - 8))
  return { top, left, placement: below ? 'below' : 'above' }
}
