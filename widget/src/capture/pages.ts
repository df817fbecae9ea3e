/**
 * Single-page apps: history.pushState/replaceState, popstate and hashchange all report a route change.
 * Calls `onRoute` at most once per distinct URL, after the host's own state change has run.
 */
export function watchRoutes(onRoute: () => void): void {
  let last = location.href
  const check = () => {
    if (location.href === last) return
    last = location.href
    onRoute()
  }
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method]
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args)
      // the host's navigation must happen even if our check fails
      try {
        setTimeout(check, 0)
      } catch {
        // ignore
      }
      return result
    }
  }
  addEventListener('popstate', check)
  addEventListener('hashchange', check)
}
