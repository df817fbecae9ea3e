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

/** Waits for an anchor to appear (late renders, SPA routes); resolves null after `timeoutMs`. */
export function waitForAnchor(selector: string, timeoutMs = 5000): Promise<Element | null> {
  return new Promise((resolve) => {
    const now = deepQuery(selector)
    if (now) return resolve(now)
    const until = Date.now() + timeoutMs
    const timer = setInterval(() => {
      const el = deepQuery(selector)
      if (el || Date.now() > until) {
        clearInterval(timer)
        resolve(el)
      }
    }, 150)
  })
}

/** Where a card goes next to its anchor: below it, or above when there is no room, kept on screen. */
export function placeNear(rect: DOMRect, size: { w: number; h: number }, view: { w: number; h: number }) {
  const gap = 10
  const below = rect.bottom + gap + size.h <= view.h
  const top = below ? rect.bottom + gap : Math.max(8, rect.top - gap - size.h)
  const left = Math.min(Math.max(8, rect.left), Math.max(8, view.w - size.w - 8))
  return { top, left, placement: below ? 'below' : 'above' }
}
