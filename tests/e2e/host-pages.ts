import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'

const PAGES = fileURLToPath(new URL('./pages', import.meta.url))
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' }

/**
 * The host pages of the browser tests (tests/e2e/pages), served by the test itself from its own origin, as a
 * customer's app would be: never part of the worker's assets. `/test-pages/<name>` is `<name>.html`, and any path
 * below it too (a single-page app's routes); `{{UPTAKE}}` in a page is the worker's origin, where uptake.js is.
 */
export function hostPagesServer(worker: string): Server {
  // the strict page: no inline script or style, no eval; the widget may load and talk only to the worker
  const csp = `default-src 'none'; script-src 'self' ${worker}; connect-src ${worker}; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'`
  return createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://host').pathname
    const [, prefix, name] = /^\/(test-pages)\/([\w-]+(?:\.\w+)?)/.exec(path) ?? []
    const file = prefix && name ? (extname(name) ? name : `${name}.html`) : null
    const body = file ? await readFile(join(PAGES, file), 'utf8').catch(() => null) : null
    if (body === null) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(file!)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    }
    if (file!.startsWith('csp')) headers['content-security-policy'] = csp
    res.writeHead(200, headers).end(file!.endsWith('.html') ? body.replaceAll('{{UPTAKE}}', worker) : body)
  })
}

/** Serves the host pages on 127.0.0.1 at a free port for this test file; the getter gives their origin. */
export function useHostPages(worker: string): () => string {
  let server: Server | undefined
  let origin = ''
  beforeAll(async () => {
    server = hostPagesServer(worker)
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server?.closeAllConnections() // the browser's keep-alive connections would hold close() open
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  })
  return () => origin
}
