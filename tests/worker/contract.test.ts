import { SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../worker/src/app'
import { api, newProject, type TestProject } from './fixtures'

/**
 * The API contract as served: every route of the app is in GET /api/v1/openapi.json with a response schema, the
 * key kind it takes and the one error envelope. (Its validity as OpenAPI 3.1 is checked in node:
 * tests/unit/contract.test.ts, as the validator compiles schemas with `new Function`, which workerd refuses.)
 */

/** Routes that are not part of the API, each with the reason it has no operation in the document. */
const NOT_IN_CONTRACT: Record<string, string> = {
  'GET /': 'redirects to the demo app',
  'GET /healthz': 'liveness probe for the dev server and load balancers',
  'GET /demo/*': 'the demo app shell, a static asset',
  'GET /dashboard/*': "the CS console's shell (index.html) for its deep links, a static asset",
  'GET /api/v1/openapi.json': 'the contract itself',
}

type Security = Record<string, string[]>[]
interface Response {
  content?: Record<string, { schema?: unknown }>
}
interface Operation {
  security?: Security
  responses: Record<string, Response>
}
interface Document {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** `/accounts/:id{[0-9]+}` → `/accounts/{id}`: hono's path syntax in the document's. */
const openApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')

/** Every method and path the app answers, from hono's route table (middleware is registered as ALL). */
function servedRoutes(): string[] {
  const seen = new Set<string>()
  for (const r of createApp().routes) if (METHODS.has(r.method)) seen.add(`${r.method} ${openApiPath(r.path)}`)
  return [...seen].sort()
}

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op })),
  )

/** A 2xx answer with a schema for its body, or a 204 (which has no body by definition). */
const hasSuccessSchema = (op: Operation) =>
  Object.entries(op.responses).some(
    ([status, r]) => /^2\d\d$/.test(status) && (status === '204' || Object.values(r.content ?? {}).some((m) => m.schema !== undefined)),
  )

/** The key kinds an operation may take, from where it is mounted and what it does. */
function expectedSecurity(method: string, path: string): (security: Security) => boolean {
  const names = (s: Security) => s.flatMap((r) => Object.keys(r)).sort()
  if (path === '/api/v1/projects') return (s) => names(s).join() === 'operatorKey'
  // the builder in the product page: its session token, got by trading a link token with the write key
  if (path.startsWith('/v1/authoring/'))
    return (s) => names(s).join() === (path === '/v1/authoring/session' && method === 'POST' ? 'writeKey' : 'authoringSession')
  // ingest and the widget's wire: the public write key (history import: the admin key)
  if (path.startsWith('/v1/')) return (s) => s.length > 0 && names(s).every((n) => n === 'writeKey' || n === 'adminKey')
  if (method === 'GET') return (s) => names(s).includes('adminKey') && names(s).every((n) => n === 'readKey' || n === 'adminKey')
  return (s) => names(s).join() === 'adminKey'
}

let doc: Document
let p: TestProject

beforeAll(async () => {
  const res = await SELF.fetch('http://uptake.test/api/v1/openapi.json')
  expect(res.status).toBe(200)
  doc = await res.json<Document>()
  p = await newProject('contract')
})

describe('GET /api/v1/openapi.json', () => {
  it('is public: the reference page reads it without a key', async () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      'adminKey',
      'authoringSession',
      'operatorKey',
      'readKey',
      'writeKey',
    ])
  })

  it('lists every route the app serves, each with a response schema for its success', () => {
    const documented = new Map(operations(doc).map((o) => [o.route, o.op]))
    const missing = servedRoutes().filter((route) => !(route in NOT_IN_CONTRACT) && !documented.has(route))
    const withoutSchema = [...documented].filter(([, op]) => !hasSuccessSchema(op)).map(([route]) => route)
    expect({ missing, withoutSchema }).toEqual({ missing: [], withoutSchema: [] })
  })

  it('documents no route the app does not serve, and allows only routes that exist', () => {
    const served = new Set(servedRoutes())
    expect(
      operations(doc)
        .map((o) => o.route)
        .filter((r) => !served.has(r)),
    ).toEqual([])
    expect(Object.keys(NOT_IN_CONTRACT).filter((r) => !served.has(r))).toEqual([])
  })

  it('gives each operation the key kind it takes: write key for ingest, read or admin key for reads, admin key for changes', () => {
    const wrong = operations(doc)
      .filter(({ method, path, op }) => !expectedSecurity(method, path)(op.security ?? []))
      .map(({ route, op }) => `${route}: ${JSON.stringify(op.security ?? null)}`)
    expect(wrong).toEqual([])
  })

  it('answers every 4xx of every operation in the one error envelope, 401 included', () => {
    const wrong: string[] = []
    for (const { route, op } of operations(doc)) {
      if (!op.responses['401']) wrong.push(`${route}: no 401`)
      for (const [status, r] of Object.entries(op.responses)) {
        if (!/^4\d\d$/.test(status)) continue
        const schema = r.content?.['application/json']?.schema as { $ref?: string } | undefined
        if (schema?.$ref !== '#/components/schemas/Error') wrong.push(`${route} ${status}: ${JSON.stringify(schema ?? null)}`)
      }
    }
    expect(wrong).toEqual([])
    expect(doc.components.schemas.Error).toMatchObject({ required: ['error'] })
  })
})

describe('the documented key kinds are the ones the API enforces', () => {
  const fill = (path: string) => path.replace(/\{\w+\}/g, '1').replace(/^\/api\/v1/, '')
  const adminApi = () => operations(doc).filter((o) => o.path.startsWith('/api/v1/') && o.path !== '/api/v1/projects')

  it('refuses a read key on every operation documented for the admin key alone (403), and a write key everywhere (401)', async () => {
    const statuses: string[] = []
    for (const { route, method, path, op } of adminApi()) {
      const adminOnly = !(op.security ?? []).some((r) => 'readKey' in r)
      const init = { method, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }) }
      if (adminOnly) statuses.push(`${route} read:${(await api(fill(path), p.readKey, init)).status}`)
      statuses.push(`${route} write:${(await api(fill(path), p.writeKey, init)).status}`)
    }
    const expected = adminApi().flatMap(({ route, op }) => [
      ...(!(op.security ?? []).some((r) => 'readKey' in r) ? [`${route} read:403`] : []),
      `${route} write:401`,
    ])
    expect(statuses).toEqual(expected)
  })

  it('lets a read key through every operation documented for it (never 401 or 403)', async () => {
    const refused: string[] = []
    for (const { route, method, path, op } of adminApi()) {
      if (!(op.security ?? []).some((r) => 'readKey' in r)) continue
      const status = (await api(fill(path), p.readKey, { method })).status
      if (status === 401 || status === 403) refused.push(`${route}: ${status}`)
    }
    expect(refused).toEqual([])
  })
})
