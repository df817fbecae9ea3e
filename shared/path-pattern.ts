/**
 * Glob over a URL path, shared by widget and worker: `*` matches one segment, `**` any number,
 * a trailing `/` is ignored. `/projects/*\/settings` matches `/projects/42/settings`.
 */
export function pathMatches(pattern: string, path: string): boolean {
  const pat = pattern.replace(/\/+$/, '').split('/')
  const segs = path.replace(/\/+$/, '').split('/')
  const match = (pi: number, si: number): boolean => {
    if (pi === pat.length) return si === segs.length
    if (pat[pi] === '**') {
      for (let k = si; k <= segs.length; k++) if (match(pi + 1, k)) return true
      return false
    }
    return si < segs.length && (pat[pi] === '*' || pat[pi] === segs[si]) && match(pi + 1, si + 1)
  }
  return match(0, 0)
}
