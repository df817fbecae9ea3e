import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../worker/src/app'
import { CONSOLE_CSP } from '../../worker/src/console'

/** The app with a stand-in for the static assets that records what the worker asked it for. */
function withAssets() {
  const asked: string[] = []
  const ASSETS = {
    fetch: async (req: Request) => {
      asked.push(new URL(req.url).pathname)
      return new Response('<!doctype html><div id="app"></div>', { headers: { 'content-type': 'text/html' } })
    },
  } as unknown as Fetcher
  const app = createApp()
  const get = (path: string, method = 'GET') => app.fetch(new Request(`http://uptake.test${path}`, { method }), { ...env, ASSETS })
  return { asked, get }
}

describe('console deep links (/dashboard/*)', () => {
  it('answers every console route with the app shell, under the console CSP', async () => {
    const { asked, get } = withAssets()
    for (const path of ['/dashboard/portfolio?band=red', '/dashboard/accounts/globex', '/dashboard/accounts/a%20b/', '/dashboard/team']) {
      const res = await get(path)
      expect(res.status, path).toBe(200)
      expect(await res.text()).toContain('<div id="app">')
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP)
      expect(res.headers.get('cache-control')).toBe('no-cache')
    }
    expect(asked).toEqual(['/dashboard/', '/dashboard/', '/dashboard/', '/dashboard/'])
  })

  it('keeps a missing file a 404 instead of serving the shell as a script', async () => {
    const { asked, get } = withAssets()
    for (const path of ['/dashboard/assets/index-old.js', '/dashboard/favicon.ico', '/dashboard/assets/x']) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found')
    }
    expect(asked).toEqual([])
  })

  it('allows no inline script or style', () => {
    expect(CONSOLE_CSP).toMatch(/script-src 'self';/)
    expect(CONSOLE_CSP).toMatch(/style-src 'self';/)
    expect(CONSOLE_CSP).not.toContain('unsafe-inline')
  })

  it('serves only GET: a POST to a console path is not the shell', async () => {
    const { asked, get } = withAssets()
    expect((await get('/dashboard/portfolio', 'POST')).status).toBe(404)
    expect(asked).toEqual([])
  })
})
