/**
 * Matching a CSS selector against a stored click's element path (`main > div.toolbar > button#export.btn`),
 * so a click rule added later applies retroactively without a DOM. Supports the subset click rules
 * need: type, #id, .class, [attr], [attr="value"], descendant and child combinators, selector lists.
 */
export interface ElementStep {
  tag: string
  id?: string
  classes: string[]
  attrs: Record<string, string>
}

interface Compound extends ElementStep {
  combinator: ' ' | '>'
}

const TOKEN = /([#.]?[\w-]+|\[[\w-]+(?:="[^"]*"|='[^']*'|=[\w-]+)?\]|\*)/g

function parseCompound(text: string): ElementStep | null {
  const step: ElementStep = { tag: '*', classes: [], attrs: {} }
  let consumed = ''
  for (const [token] of text.matchAll(TOKEN)) {
    consumed += token
    if (token[0] === '#') step.id = token.slice(1)
    else if (token[0] === '.') step.classes.push(token.slice(1))
    else if (token[0] === '[') {
      const [name, value = ''] = token.slice(1, -1).split('=')
      step.attrs[name] = value.replace(/^["']|["']$/g, '')
    } else step.tag = token.toLowerCase()
  }
  return consumed === text ? step : null
}

/** Parses one complex selector into compounds, left to right; null when outside the supported subset. */
export function parseSelector(selector: string): Compound[] | null {
  const parts = selector.trim().replace(/\s*>\s*/g, ' > ').split(/\s+/)
  const out: Compound[] = []
  let combinator: ' ' | '>' = ' '
  for (const part of parts) {
    if (part === '>') {
      combinator = '>'
      continue
    }
    const step = parseCompound(part)
    if (!step) return null
    out.push({ ...step, combinator })
    combinator = ' '
  }
  return out.length ? out : null
}

export function parseElementPath(path: string): ElementStep[] {
  return path
    .split(/\s*>\s*/)
    .map((p) => parseCompound(p.trim()))
    .filter((s): s is ElementStep => s !== null)
}

function stepMatches(sel: ElementStep, el: ElementStep): boolean {
  if (sel.tag !== '*' && sel.tag !== el.tag) return false
  if (sel.id && sel.id !== el.id) return false
  if (sel.classes.some((c) => !el.classes.includes(c))) return false
  return Object.entries(sel.attrs).every(([k, v]) => k in el.attrs && (v === '' || el.attrs[k] === v))
}

function matchFrom(sel: Compound[], si: number, path: ElementStep[], pi: number): boolean {
  if (si < 0) return true
  if (pi < 0 || !stepMatches(sel[si], path[pi])) return false
  const next = sel[si].combinator
  if (next === '>' || si === 0) return si === 0 || matchFrom(sel, si - 1, path, pi - 1)
  for (let p = pi - 1; p >= 0; p--) if (matchFrom(sel, si - 1, path, p)) return true
  return false
}

/** Whether the clicked element (the last step of `path`) or one of its ancestors matches `selector`. */
export function selectorMatchesPath(selector: string, path: string): boolean {
  const steps = parseElementPath(path)
  return selector.split(',').some((one) => {
    const sel = parseSelector(one)
    if (!sel) return false
    // a click inside a matching element counts, as the widget's closest() does
    for (let end = steps.length - 1; end >= 0; end--) if (matchFrom(sel, sel.length - 1, steps, end)) return true
    return false
  })
}
