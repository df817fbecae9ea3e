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
  // no `\s*>\s*`: that pattern backtracks quadratically over long runs of spaces
  const parts = selector.replace(/>/g, ' > ').trim().split(/\s+/)
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
    .split('>')
    .map((p) => parseCompound(p.trim()))
    .filter((s): s is ElementStep => s !== null)
}

function stepMatches(sel: ElementStep, el: ElementStep): boolean {
  if (sel.tag !== '*' && sel.tag !== el.tag) return false
  if (sel.id && sel.id !== el.id) return false
  if (sel.classes.some((c) => !el.classes.includes(c))) return false
  return Object.entries(sel.attrs).every(([k, v]) => k in el.attrs && (v === '' || el.attrs[k] === v))
}

/** Counts step comparisons, so tests can bound the matcher's work without timing it. */
export interface MatchWork {
  steps: number
}

/**
 * Whether some path element matches the whole selector, in O(compounds x path length) step comparisons:
 * row `si` marks the path positions where compounds 0..si match ending at that position, built from the
 * row before (the previous position for `>`, any earlier one for a descendant), never by backtracking.
 */
export function selectorMatchesSteps(sel: Compound[], path: ElementStep[], work: MatchWork = { steps: 0 }): boolean {
  let prev: boolean[] = []
  for (let si = 0; si < sel.length; si++) {
    const row = new Array<boolean>(path.length).fill(false)
    let seenBefore = false // prev[q] for some q < pi: a descendant may sit anywhere below its ancestor
    for (let pi = 0; pi < path.length; pi++) {
      const reachable = si === 0 || (sel[si].combinator === '>' ? pi > 0 && prev[pi - 1] : seenBefore)
      if (si > 0) seenBefore ||= prev[pi]
      if (!reachable) continue
      work.steps++
      row[pi] = stepMatches(sel[si], path[pi])
    }
    if (!row.includes(true)) return false
    prev = row
  }
  // a click inside a matching element counts, as the widget's closest() does: any end position will do
  return prev.includes(true)
}

/** Whether the clicked element (the last step of `path`) or one of its ancestors matches `selector`. */
export function selectorMatchesPath(selector: string, path: string, work?: MatchWork): boolean {
  const steps = parseElementPath(path)
  return selector.split(',').some((one) => {
    const sel = parseSelector(one)
    return sel !== null && selectorMatchesSteps(sel, steps, work)
  })
}
