import type { ElementStep, MatchWork, parseSelector } from '../../../worker/src/features/selector-path'

type Compound = NonNullable<ReturnType<typeof parseSelector>>[number]

/** The matcher before issue 8: plain backtracking, O(path length ^ selector parts) on crafted paths. The reference for agreement. */
export function reference(sel: Compound[], path: ElementStep[], work: MatchWork): boolean {
  const step = (s: ElementStep, el: ElementStep) => {
    work.steps++
    return (
      (s.tag === '*' || s.tag === el.tag) &&
      (!s.id || s.id === el.id) &&
      s.classes.every((c) => el.classes.includes(c)) &&
      Object.entries(s.attrs).every(([k, v]) => k in el.attrs && (v === '' || el.attrs[k] === v))
    )
  }
  const from = (si: number, pi: number): boolean => {
    if (si < 0) return true
    if (pi < 0 || !step(sel[si], path[pi])) return false
    if (si === 0) return true
    if (sel[si].combinator === '>') return from(si - 1, pi - 1)
    for (let p = pi - 1; p >= 0; p--) if (from(si - 1, p)) return true
    return false
  }
  for (let end = path.length - 1; end >= 0; end--) if (from(sel.length - 1, end)) return true
  return false
}
