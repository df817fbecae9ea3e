/**
 * The element picker: hover highlights, click selects, Escape cancels. Listens on window in the capture phase, so
 * it sees the element itself inside open shadow roots (composedPath) before the host page or the capture core does,
 * and swallows the pick so the product's own button does not act.
 */
export interface PickerOptions {
  /** The builder's own UI: never highlighted or picked. */
  ignore(el: Element): boolean
  onHover(el: Element | null): void
  onPick(el: Element): void
  onCancel(): void
}

/** The innermost element under the event, across open shadow roots. */
export function deepTarget(e: Event): Element | null {
  for (const node of e.composedPath()) if (node instanceof Element) return node
  return null
}

export function startPicker(opts: PickerOptions): () => void {
  const swallow = (e: Event) => {
    const el = deepTarget(e)
    if (!el || opts.ignore(el)) return null
    e.preventDefault()
    e.stopImmediatePropagation()
    return el
  }
  const onMove = (e: Event) => {
    const el = deepTarget(e)
    opts.onHover(el && !opts.ignore(el) ? el : null)
  }
  const onPress = (e: Event) => void swallow(e) // no focus, no menus opening on pointerdown
  const onClick = (e: Event) => {
    const el = swallow(e)
    if (!el) return
    stop()
    opts.onPick(el)
  }
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return
    stop()
    opts.onCancel()
  }
  const listeners: [string, EventListener][] = [
    ['pointermove', onMove],
    ['pointerdown', onPress],
    ['mousedown', onPress],
    ['pointerup', onPress],
    ['mouseup', onPress],
    ['click', onClick],
    ['keydown', onKey as EventListener],
  ]
  for (const [type, fn] of listeners) addEventListener(type, fn, true)
  function stop() {
    for (const [type, fn] of listeners) removeEventListener(type, fn, true)
    opts.onHover(null)
  }
  return stop
}

/** Where the builder's layers must live to stay usable: inside the top open modal <dialog> (the rest is inert), else body. */
export function layerParent(): Element {
  const dialogs = Array.from(document.querySelectorAll('dialog[open]'))
  for (let i = dialogs.length - 1; i >= 0; i--) {
    try {
      if (dialogs[i].matches(':modal')) return dialogs[i]
    } catch {
      return document.body // a browser without :modal has no top layer either
    }
  }
  return document.body
}

/** The parent of an element, stepping out of a shadow root to its host. */
export function parentOf(el: Element): Element | null {
  if (el.parentElement) return el.parentElement
  const root = el.getRootNode()
  return root instanceof ShadowRoot ? root.host : null
}
