import { MAX_ELEMENT_PATH_LENGTH } from '../../../shared/limits'

/**
 * A clicked element's path as the server parses it (worker/src/features/selector-path.ts):
 * `main > div.toolbar > button#export.primary[data-testid="x"]`, at most 6 levels and
 * MAX_ELEMENT_PATH_LENGTH characters (the server refuses longer), no text or values.
 */
const SAFE = /^[A-Za-z_][\w-]{0,63}$/
const MAX_DEPTH = 6
export const KEPT_ATTRS = ['data-testid', 'data-test', 'data-action', 'name', 'role', 'type']

function step(el: Element): string {
  let s = el.tagName.toLowerCase().slice(0, 64) // custom element names are unbounded
  if (el.id && SAFE.test(el.id)) s += `#${el.id}`
  for (const c of Array.from(el.classList).slice(0, 4)) if (SAFE.test(c)) s += `.${c}`
  for (const a of KEPT_ATTRS) {
    const v = el.getAttribute(a)
    if (v && /^[\w -]{1,64}$/.test(v) && !v.includes(' ')) s += `[${a}="${v}"]`
  }
  return s
}

export function elementPath(el: Element): string {
  let path = ''
  for (
    let cur: Element | null = el, depth = 0;
    cur && depth < MAX_DEPTH && cur.tagName !== 'HTML' && cur.tagName !== 'BODY';
    cur = cur.parentElement, depth++
  ) {
    const longer = path ? `${step(cur)} > ${path}` : step(cur)
    if (longer.length > MAX_ELEMENT_PATH_LENGTH) break // keep the innermost steps: the clicked element matters most
    path = longer
  }
  return path
}

/** Visible text of a clicked element, trimmed and truncated: never form values (a textarea's text is its value). */
export function elementText(el: Element): string {
  if (el.querySelector('textarea,select,[contenteditable]')) return ''
  return (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60)
}
