import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../worker/src/app'

/**
 * The console's typed client checked against the contract: every API call in console/src (`api(…)`, `useApi(…)`) names
 * a path, method and query parameters the OpenAPI document has. In node, with the same createApp() the worker serves.
 */

interface Call {
  file: string
  method: string
  path: string
  query: string[]
}

type Doc = { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> }

const SRC = new URL('../../console/src/', import.meta.url).pathname

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.tsx?$/.test(e.name)
        ? [{ file: join(dir, e.name).slice(SRC.length), text: readFileSync(join(dir, e.name), 'utf8') }]
        : [],
  )
}

const CALL = /\b(?:useApi|api)(?:<[^()]*?>)?\(\s*(['"`])((?:(?!\1)[^\n])*)\1/g

/** The calls in one source text: `${…}` in a template becomes `{}` (one path segment or part of a query). */
export function callsIn(file: string, text: string): Call[] {
  return [...text.matchAll(CALL)].map((m) => {
    const literal = m[2].replace(/\$\{[^}]*\}/g, '{}')
    const [path, query = ''] = literal.split('?')
    const method = /^\s*,\s*\{[^}]*?method:\s*'(\w+)'/.exec(text.slice(m.index + m[0].length, m.index + m[0].length + 200))?.[1] ?? 'GET'
    return { file, method, path, query: [...query.matchAll(/(?:^|&)([a-z0-9_]+)=/g)].map((q) => q[1]) }
  })
}

/** What is wrong with a call against the document: unknown path, method or query parameter; null when it is fine. */
export function problem(doc: Doc, call: Call): string | null {
  const segs = call.path.split('/')
  const entry = Object.entries(doc.paths).find(([p]) => {
    const ps = p.replace(/^\/api\/v1/, '').split('/')
    return (
      ps.length === segs.length &&
      ps.every((s, i) => s === segs[i] || (/^\{.+\}$/.test(s) && segs[i] !== '' && (segs[i] === '{}' || !segs[i].includes('{'))))
    )
  })
  if (!entry) return `${call.file}: no path ${call.path}`
  const op = entry[1][call.method.toLowerCase()]
  if (!op) return `${call.file}: no ${call.method} ${entry[0]}`
  const known = new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name))
  const unknown = call.query.filter((q) => !known.has(q))
  return unknown.length ? `${call.file}: ${call.method} ${entry[0]} takes no ${unknown.join(', ')}` : null
}

async function contract(): Promise<Doc> {
  return (await (await createApp().request('/api/v1/openapi.json')).json()) as Doc
}

describe('console API client against the OpenAPI document', () => {
  it('finds the console’s calls', () => {
    const calls = sources(SRC).flatMap((s) => callsIn(s.file, s.text))
    const named = new Set(calls.map((c) => `${c.method} ${c.path}`))
    for (const expected of [
      'GET /me',
      'GET /alerts',
      'PATCH /alerts/{}',
      'GET /health/accounts',
      'GET /renewals',
      'GET /members',
      'POST /members/{}/keys',
    ])
      expect(named, expected).toContain(expected)
  })

  it('calls only paths, methods and query parameters the contract has', async () => {
    const doc = await contract()
    const calls = sources(SRC).flatMap((s) => callsIn(s.file, s.text))
    expect(calls.map((c) => problem(doc, c)).filter(Boolean)).toEqual([])
  })

  it('would catch an unknown path, a wrong method and an unknown query parameter', async () => {
    const doc = await contract()
    const [bad] = callsIn('x.tsx', "api('/alertz')")
    expect(problem(doc, bad)).toMatch(/no path/)
    const [put] = callsIn('x.tsx', "api(`/alerts`, { method: 'PUT', body })")
    expect(problem(doc, put)).toMatch(/no PUT/)
    const [query] = callsIn('x.tsx', 'useApi<{ a: 1 }>(`/health/accounts?bogus_filter=${x}`)')
    expect(problem(doc, query)).toMatch(/takes no bogus_filter/)
    const [ok] = callsIn('x.tsx', 'useApi<{ a: 1 }>(`/health/accounts/${encodeURIComponent(id)}`)')
    expect(problem(doc, ok)).toBeNull()
  })
})
