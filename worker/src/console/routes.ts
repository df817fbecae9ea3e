import { Hono } from 'hono'
import type { AppEnv } from '../http/env'
import { ApiError } from '../http/errors'

/** The console's policy: only its own scripts, styles and API; no inline code (public/_headers sets the same for its files). */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** A path naming a file (`/dashboard/assets/x.js`, `/dashboard/logo.png`): missing ones are 404s, never the app shell. */
export function isFilePath(path: string): boolean {
  return path.startsWith('/dashboard/assets/') || /\.[A-Za-z0-9]{1,8}$/.test(path.slice(path.lastIndexOf('/') + 1))
}

/**
 * The console is a client-routed app built into public/dashboard/: static assets answer its files and `/dashboard/`,
 * and every other GET /dashboard/* (a deep link such as /dashboard/accounts/globex) gets its index.html.
 */
export const consoleRoutes = new Hono<AppEnv>()

consoleRoutes.get('/*', async (c) => {
  if (isFilePath(c.req.path)) throw new ApiError(404, 'not_found', `No file ${c.req.path}`)
  const url = new URL(c.req.url)
  url.pathname = '/dashboard/'
  url.search = ''
  const shell = await c.env.ASSETS.fetch(new Request(url.toString()))
  const res = new Response(shell.body, shell)
  res.headers.set('content-security-policy', CONSOLE_CSP)
  res.headers.set('cache-control', 'no-cache')
  return res
})
