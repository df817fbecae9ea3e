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
      // the host's navigation happens first; our check runs later, in its own guarded task
      setTimeout(check, 0)
      return original.apply(this, args)
    }
  }
  addEventListener('popstate', check)
  addEventListener('hashchange', check)
}
