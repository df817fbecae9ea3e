import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'

/** Where the console is served; routes below are relative to it (`/portfolio`, `/accounts/globex`). */
export const BASE = '/dashboard'

export interface Location {
  /** Path under BASE, always starting with `/` (`/` is Today). */
  path: string
  query: URLSearchParams
}

const listeners = new Set<() => void>()

export function currentLocation(): Location {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname
  return { path: p === '' ? '/' : p, query: new URLSearchParams(location.search) }
}

/** Pushes (or replaces) a console URL such as `/portfolio?band=red` and re-renders the views that use it. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = BASE + to
  if (url === location.pathname + location.search) return
  if (opts.replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  for (const fn of listeners) fn()
}

addEventListener('popstate', () => {
  for (const fn of listeners) fn()
})

export function useLocation(): Location {
  const [loc, setLoc] = useState(currentLocation)
  useEffect(() => {
    const fn = () => setLoc(currentLocation())
    listeners.add(fn)
    return () => void listeners.delete(fn)
  }, [])
  return loc
}

/** A real link (opens in a new tab, copies) that navigates in place on a plain click. */
export function Link(props: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' }) {
  const { href, children, ...rest } = props
  return (
    <a
      {...rest}
      href={BASE + href}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
        e.preventDefault()
        navigate(href)
        scrollTo(0, 0)
      }}
    >
      {children}
    </a>
  )
}
