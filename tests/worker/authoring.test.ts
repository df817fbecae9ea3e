import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { pathMatches } from '../../shared/path-pattern'
import { selectorMatchesPath } from '../../worker/src/features/selector-path'
import { api, newProject, post, track, type TestProject } from './fixtures'

const PAGE = 'https://app.example.test/reports?tab=1#section'
const ORIGIN = 'https://app.example.test'

let a: TestProject
let b: TestProject

/** POST /api/v1/authoring/links for a project: the link and its token. */
async function link(p: TestProject, url = PAGE) {
  const res = await api('/authoring/links', p.adminKey, { method: 'POST', body: JSON.stringify({ url }) })
  expect(res.status).toBe(201)
  const body = await res.json<{ link: string; expires_at: string; session_hours: number }>()
  return { ...body, token: new URL(body.link).hash.replace('#uptake-author=', '') }
}

function exchange(token: string, writeKey: string, origin: string | null = ORIGIN) {
  return SELF.fetch('http://uptake.test/v1/authoring/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ token, writeKey }),
  })
}

async function session(p: TestProject): Promise<string> {
  const res = await exchange((await link(p)).token, p.writeKey)
  expect(res.status).toBe(201)
  return (await res.json<{ session: string }>()).session
}

/** A builder request with a bearer token, from the page's origin. */
function builder(path: string, token: string, init: { method?: string; body?: unknown } = {}) {
  return SELF.fetch(`http://uptake.test/v1/authoring${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, origin: ORIGIN, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
}

const due = async (p: TestProject, userId: string) => {
  const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=${userId}&path=/reports`)
  expect(res.status).toBe(200)
  return (await res.json<{ nudges: { key: string; title: string }[] }>()).nudges
}

const banner = (title: string) => ({
  kind: 'banner',
  title: { default: title },
  body: { default: 'Export in one click' },
  holdout: { share: 0 },
})

beforeAll(async () => {
  a = await newProject('author_a')
  b = await newProject('author_b')
  await api('/settings', a.adminKey, { method: 'PUT', body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 20 } }) })
})

describe('authoring links and sessions', () => {
  it('makes a link to the page with a one-time token in the fragment, valid for minutes', async () => {
    const l = await link(a)
    const url = new URL(l.link)
    expect(`${url.origin}${url.pathname}${url.search}`).toBe('https://app.example.test/reports?tab=1')
    expect(l.token).toMatch(/^al_[\w-]{32}$/)
    const minutes = (Date.parse(l.expires_at) - Date.now()) / 60_000
    expect(minutes).toBeGreaterThan(9)
    expect(minutes).toBeLessThanOrEqual(10)
    expect(l.session_hours).toBe(8)
    // only the hash is stored
    const stored = await env.DB.prepare('SELECT token_hash FROM authoring_links WHERE project_id = ?1')
      .bind(a.id)
      .all<{ token_hash: string }>()
    expect(stored.results.map((r) => r.token_hash)).not.toContain(l.token)
  })

  it('refuses a page that is not an http(s) URL', async () => {
    const res = await api('/authoring/links', a.adminKey, { method: 'POST', body: JSON.stringify({ url: 'javascript:alert(1)' }) })
    expect(res.status).toBe(400)
  })

  it('needs an admin key to make a link', async () => {
    const res = await api('/authoring/links', a.readKey, { method: 'POST', body: JSON.stringify({ url: PAGE }) })
    expect(res.status).toBe(403)
  })

  it('exchanges a link once: the second exchange of the same token is refused', async () => {
    const { token } = await link(a)
    const first = await exchange(token, a.writeKey)
    expect(first.status).toBe(201)
    const body = await first.json<{ session: string; expiresAt: string; author: string }>()
    expect(body.session).toMatch(/^as_/)
    expect((Date.parse(body.expiresAt) - Date.now()) / 3_600_000).toBeCloseTo(8, 1)
    const again = await exchange(token, a.writeKey)
    expect(again.status).toBe(401)
    expect((await again.json<{ error: { code: string } }>()).error.code).toBe('link_used')
    const stored = await env.DB.prepare('SELECT COUNT(*) AS n FROM authoring_sessions WHERE token_hash = ?1')
      .bind(body.session)
      .first<number>('n')
    expect(stored).toBe(0) // the session token is stored hashed too
  })

  it('refuses an expired link', async () => {
    const { token } = await link(a)
    await env.DB.prepare('UPDATE authoring_links SET expires_at = ?2 WHERE project_id = ?1')
      .bind(a.id, Date.now() - 1)
      .run()
    const res = await exchange(token, a.writeKey)
    expect(res.status).toBe(401)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('link_expired')
  })

  it('refuses a link opened on another site, or with another project’s write key', async () => {
    const { token } = await link(a)
    const elsewhere = await exchange(token, a.writeKey, 'https://evil.example')
    expect(elsewhere.status).toBe(403)
    const otherProject = await exchange(token, b.writeKey)
    expect(otherProject.status).toBe(401)
    expect((await otherProject.json<{ error: { code: string } }>()).error.code).toBe('link_invalid')
    // neither spent it: its own project, on its own site, still opens a session
    expect((await exchange(token, a.writeKey)).status).toBe(201)
  })

  it('never lets the write key author: not on the builder API, not as a link token, not without a link', async () => {
    for (const path of ['/context', '/nudges/x', '/features/x']) {
      const res = await builder(path, a.writeKey)
      expect(res.status).toBe(401)
    }
    const asDraft = await builder('/nudges/x/draft', a.writeKey, { method: 'PUT', body: banner('x') })
    expect(asDraft.status).toBe(401)
    expect((await builder('/context', a.adminKey)).status).toBe(401) // a secret key is no session either
    expect((await exchange(a.writeKey, a.writeKey)).status).toBe(401)
    expect((await exchange('al_' + 'x'.repeat(32), a.writeKey)).status).toBe(401)
    const noKey = await SELF.fetch('http://uptake.test/v1/authoring/context', { headers: { origin: ORIGIN } })
    expect(noKey.status).toBe(401)
    expect(
      (await env.DB.prepare('SELECT COUNT(*) AS n FROM authoring_drafts WHERE project_id = ?1').bind(a.id).first<number>('n')) ?? 0,
    ).toBe(0)
  })

  it('lists sessions and revokes one: its next builder request is refused', async () => {
    const token = await session(a)
    expect((await builder('/context', token)).status).toBe(200)
    const list = await (
      await api('/authoring/sessions', a.readKey)
    ).json<{ sessions: { id: string; status: string; origin: string; author: string }[] }>()
    const mine = list.sessions.find((s) => s.status === 'active')!
    expect(mine.origin).toBe(ORIGIN)
    expect(mine.author).toBe('admin key')
    for (const s of list.sessions.filter((s) => s.status === 'active')) {
      expect((await api(`/authoring/sessions/${s.id}`, a.adminKey, { method: 'DELETE' })).status).toBe(204)
    }
    const refused = await builder('/context', token)
    expect(refused.status).toBe(401)
    expect((await refused.json<{ error: { code: string } }>()).error.code).toBe('session_revoked')
    expect((await api('/authoring/sessions/ses_nope', a.adminKey, { method: 'DELETE' })).status).toBe(404)
    // another project's admin cannot revoke it
    const fresh = await session(a)
    const id = (await (await api('/authoring/sessions', a.readKey)).json<{ sessions: { id: string; status: string }[] }>()).sessions.find(
      (s) => s.status === 'active',
    )!.id
    expect((await api(`/authoring/sessions/${id}`, b.adminKey, { method: 'DELETE' })).status).toBe(404)
    expect((await builder('/context', fresh)).status).toBe(200)
  })

  it('refuses an expired session and a session used from another site', async () => {
    const token = await session(a)
    expect(
      (
        await SELF.fetch('http://uptake.test/v1/authoring/context', {
          headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' },
        })
      ).status,
    ).toBe(403)
    await env.DB.prepare('UPDATE authoring_sessions SET expires_at = ?2 WHERE project_id = ?1')
      .bind(a.id, Date.now() - 1)
      .run()
    const res = await builder('/context', token)
    expect(res.status).toBe(401)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('session_expired')
  })

  it('prunes links and sessions 30 days after they ended, when a new link is made', async () => {
    const old = Date.now() - 31 * 86_400_000
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO authoring_links (token_hash, project_id, url, author, created_at, expires_at) VALUES ('old-link', ?1, ?2, 'x', ?3, ?3)",
      ).bind(b.id, PAGE, old),
      env.DB.prepare(
        "INSERT INTO authoring_sessions (id, token_hash, project_id, origin, author, created_at, expires_at) VALUES ('ses_old', 'old-session', ?1, ?2, 'x', ?3, ?3)",
      ).bind(b.id, ORIGIN, old),
    ])
    const recent = await session(b)
    const left = async (table: string) =>
      (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1 AND expires_at = ?2`)
        .bind(b.id, old)
        .first<number>('n')) ?? 0
    expect(await left('authoring_links')).toBe(0)
    expect(await left('authoring_sessions')).toBe(0)
    expect((await builder('/context', recent)).status).toBe(200)
  })

  it('answers the CORS preflight of the builder API for any product origin', async () => {
    const res = await SELF.fetch('http://uptake.test/v1/authoring/context', {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')
  })
})

describe('click preview', () => {
  const clicks = [
    ['main > div.toolbar > button#export.btn[data-testid="export-csv"]', '/reports'],
    ['main > div.toolbar > button#export.btn[data-testid="export-csv"]', '/reports/2026'],
    ['main > div.toolbar > button.btn[data-testid="export-pdf"]', '/reports'],
    ['nav > a.link[data-testid="export-csv"]', '/settings'],
    ['main > form > button[type="submit"]', '/invoices/new'],
  ]

  it('counts the raw clicks the server’s matcher would tag, and nothing of another project', async () => {
    const sent = clicks.flatMap(([selector, path], i) => Array.from({ length: i + 1 }, () => [selector, path] as const))
    const batch = sent.map(([selector, path]) => track('u1', '$click', { properties: { selector, path, text: 'Export' } }))
    expect((await post('/v1/batch', { writeKey: a.writeKey, batch })).status).toBe(200)
    const token = await session(a)
    for (const rule of [
      { selector: '[data-testid="export-csv"]' },
      { selector: '[data-testid="export-csv"]', path: '/reports' },
      { selector: '[data-testid="export-csv"]', path: '/reports/**' },
      { selector: '.toolbar button' },
      { selector: 'button' },
    ]) {
      const res = await builder('/preview', token, { method: 'POST', body: rule })
      expect(res.status).toBe(200)
      const got = await res.json<{ matched: number; scanned: number; total: number; supported: boolean; window: { days: number } }>()
      const expected = sent.filter(
        ([selector, path]) => selectorMatchesPath(rule.selector, selector) && (!rule.path || pathMatches(rule.path, path)),
      ).length
      expect(got.matched, JSON.stringify(rule)).toBe(expected)
      expect(got).toMatchObject({ supported: true, scanned: batch.length, total: batch.length })
      expect(got.window.days).toBeGreaterThanOrEqual(90)
    }
    const other = await (
      await builder('/preview', await session(b), { method: 'POST', body: { selector: 'button' } })
    ).json<{ matched: number; total: number }>()
    expect(other).toMatchObject({ matched: 0, total: 0 })
    const unsupported = await (
      await builder('/preview', token, { method: 'POST', body: { selector: 'li:nth-child(2) > a' } })
    ).json<{ supported: boolean; matched: number }>()
    expect(unsupported).toMatchObject({ supported: false, matched: 0 })
  })
})

describe('click preview over a large archive', () => {
  it('reads the newest days first, at most 100 archive objects, and says how far back it looked', async () => {
    const p = await newProject('preview-bound')
    const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10)
    const gz = (text: string) => new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
    // 5 days x 30 objects of one click each: the preview opens days 0-2 whole and 10 objects of day 3
    for (let back = 0; back < 5; back++)
      for (let i = 0; i < 30; i++) {
        const selector = back === 4 ? 'main > button#old' : 'main > button#new'
        const line = JSON.stringify({
          message_id: crypto.randomUUID(),
          type: 'track',
          kind: 'click',
          name: '$click',
          user_id: 'u1',
          ts: Date.parse(`${day(back)}T12:00:00Z`),
          received_at: Date.now(),
          properties: { selector, path: '/' },
          context: {},
        })
        await env.RAW_EVENTS.put(`raw/${p.id}/${day(back)}/${Date.now() + i}-${crypto.randomUUID()}.ndjson.gz`, await gz(line + '\n'))
      }
    const token = await session(p)
    const res = await builder('/preview', token, { method: 'POST', body: { selector: 'button' } })
    const got = await res.json<{ matched: number; scanned: number; total: number; window: { from: string; days: number } }>()
    expect(got).toMatchObject({ matched: 100, scanned: 100, total: 100 })
    expect(got.window.from).toBe(`${day(3)}T00:00:00.000Z`)
    expect(got.window.days).toBeLessThan(5)
    const old = await (await builder('/preview', token, { method: 'POST', body: { selector: '#old' } })).json<{ matched: number }>()
    expect(old.matched).toBe(0)
  }, 30_000) // 150 archive objects put and listed: seconds on a loaded machine
})

describe('drafts and versions', () => {
  it('keeps a builder draft away from users until it is published, under the session’s author', async () => {
    await post('/v1/batch', {
      writeKey: a.writeKey,
      batch: [{ type: 'identify', messageId: crypto.randomUUID(), userId: 'nina', traits: {} }],
    })
    const token = await session(a)
    const saved = await builder('/nudges/export-tip/draft', token, { method: 'PUT', body: banner('Draft title') })
    expect(saved.status).toBe(200)
    expect(await due(a, 'nina')).toEqual([])
    const got = await (await builder('/nudges/export-tip', token)).json<{ published: unknown; draft: { definition: { title: unknown } } }>()
    expect(got.published).toBeNull()
    expect(got.draft.definition.title).toEqual({ default: 'Draft title' })

    const published = await builder('/nudges/export-tip/publish', token, { method: 'POST' })
    expect(published.status).toBe(200)
    expect((await published.json<{ version: number }>()).version).toBe(1)
    expect((await due(a, 'nina')).map((n) => n.title)).toEqual(['Draft title'])

    // an edit of a published nudge is a draft again: users keep the published text
    await builder('/nudges/export-tip/draft', token, { method: 'PUT', body: banner('Second title') })
    expect((await due(a, 'nina')).map((n) => n.title)).toEqual(['Draft title'])
    expect((await builder('/nudges/export-tip/publish', token, { method: 'POST' })).status).toBe(200)
    expect((await due(a, 'nina')).map((n) => n.title)).toEqual(['Second title'])
    expect((await builder('/nudges/export-tip/publish', token, { method: 'POST' })).status).toBe(409) // no draft left
  })

  it('lists versions with who and when, and restores one as a new version', async () => {
    const res = await api('/nudges/export-tip/versions', a.readKey)
    expect(res.status).toBe(200)
    const h = await res.json<{
      versions: { version: number; action: string; author: string; created_at: string; definition: { title: unknown } }[]
    }>()
    expect(h.versions.map((v) => [v.version, v.action, v.author])).toEqual([
      [2, 'publish', 'admin key'],
      [1, 'publish', 'admin key'],
    ])
    const restored = await api('/nudges/export-tip/restore', a.adminKey, { method: 'POST', body: JSON.stringify({ version: 1 }) })
    expect(restored.status).toBe(200)
    expect((await restored.json<{ version: number }>()).version).toBe(3)
    expect((await due(a, 'nina')).map((n) => n.title)).toEqual(['Draft title'])
    const after = await (await api('/nudges/export-tip/versions', a.readKey)).json<{ versions: { version: number; action: string }[] }>()
    expect(after.versions[0]).toMatchObject({ version: 3, action: 'restore' })
    expect((await api('/nudges/export-tip/restore', a.adminKey, { method: 'POST', body: JSON.stringify({ version: 9 }) })).status).toBe(404)
  })

  it('records PUT and DELETE of the admin API in the history (published at once, as before)', async () => {
    const put = await api('/nudges/put-tip', a.adminKey, { method: 'PUT', body: JSON.stringify(banner('Put title')) })
    expect(put.status).toBe(201)
    expect((await due(a, 'nina')).map((n) => n.title)).toContain('Put title')
    expect((await api('/nudges/put-tip', a.adminKey, { method: 'DELETE' })).status).toBe(204)
    const h = await (await api('/nudges/put-tip/versions', a.readKey)).json<{ published: unknown; versions: { action: string }[] }>()
    expect(h.published).toBeNull()
    expect(h.versions.map((v) => v.action)).toEqual(['delete', 'publish'])
    const restored = await api('/nudges/put-tip/restore', a.adminKey, { method: 'POST', body: JSON.stringify({ version: 1 }) })
    expect(restored.status).toBe(200)
    expect((await api('/nudges/put-tip/restore', a.adminKey, { method: 'POST', body: JSON.stringify({ version: 2 }) })).status).toBe(409)
  })

  it('drafts a feature through the admin API without changing the registry, then publishes it with a re-tag', async () => {
    const draft = {
      name: 'Export CSV',
      core: true,
      rules: [{ match: 'click', selector: '[data-testid="export-csv"]', path: '/reports/**' }],
    }
    expect((await api('/features/report.export/draft', a.adminKey, { method: 'PUT', body: JSON.stringify(draft) })).status).toBe(200)
    expect((await api('/features/report.export', a.readKey)).status).toBe(404)
    const config = await (await SELF.fetch(`http://uptake.test/v1/config?writeKey=${a.writeKey}`)).json<{ features: { key: string }[] }>()
    expect(config.features.map((f) => f.key)).not.toContain('report.export')
    const pub = await api('/features/report.export/publish', a.adminKey, { method: 'POST' })
    expect(pub.status).toBe(200)
    const body = await pub.json<{ version: number; rebuild: { status: string } | null }>()
    expect(body.version).toBe(1)
    expect(body.rebuild).not.toBeNull()
    const f = await (await api('/features/report.export', a.readKey)).json<{ feature: { core: boolean; rules: unknown[] } }>()
    expect(f.feature).toMatchObject({ core: true, rules: draft.rules })
    // a PUT is a version too; restoring version 1 brings its rules back as version 3
    const put = { name: 'Export', core: false, rules: [{ match: 'event', event: 'Report Exported' }] }
    expect((await api('/features/report.export', a.adminKey, { method: 'PUT', body: JSON.stringify(put) })).status).toBe(200)
    const h = await (await api('/features/report.export/versions', a.readKey)).json<{ versions: { version: number; action: string }[] }>()
    expect(h.versions.map((v) => [v.version, v.action])).toEqual([
      [2, 'publish'],
      [1, 'publish'],
    ])
    expect(
      (await api('/features/report.export/restore', a.adminKey, { method: 'POST', body: JSON.stringify({ version: 1 }) })).status,
    ).toBe(200)
    const back = await (await api('/features/report.export', a.readKey)).json<{ feature: { core: boolean; rules: unknown[] } }>()
    expect(back.feature).toMatchObject({ core: true, rules: draft.rules })
  })

  it('gives another project’s session nothing of this project', async () => {
    const token = await session(b)
    const h = await (await builder('/nudges/export-tip', token)).json<{ published: unknown; draft: unknown; versions: unknown[] }>()
    expect(h).toMatchObject({ published: null, draft: null, versions: [] })
    const ctx = await (await builder('/context', token)).json<{ features: unknown[]; nudges: unknown[] }>()
    expect(ctx).toMatchObject({ features: [], nudges: [] })
    expect((await api('/nudges/export-tip/versions', b.readKey)).status).toBe(404)
  })

  it('publishes a tooltip’s placement to the widget, and none for a nudge that has none', async () => {
    const token = await session(a)
    const tip = {
      kind: 'tooltip',
      anchor: '#export',
      placement: 'above',
      title: { default: 'Above' },
      body: { default: 'b' },
      holdout: { share: 0 },
    }
    await builder('/nudges/above-tip/draft', token, { method: 'PUT', body: tip })
    expect((await builder('/nudges/above-tip/publish', token, { method: 'POST' })).status).toBe(200)
    const res = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${a.writeKey}&userId=nina&path=/reports`)
    const nudges = (await res.json<{ nudges: { key: string; placement?: string }[] }>()).nudges
    expect(nudges.find((n) => n.key === 'above-tip')?.placement).toBe('above')
    expect(nudges.find((n) => n.key === 'export-tip')).not.toHaveProperty('placement')
    expect((await api('/nudges/above-tip', a.adminKey, { method: 'DELETE' })).status).toBe(204)
  })

  it('previews a nudge as users would get it, in a locale, with what would keep it from showing', async () => {
    const token = await session(a)
    const definition = {
      kind: 'tooltip',
      anchor: '[data-testid="export-csv"]',
      title: { default: 'Hi', fr: 'Salut' },
      body: { default: 'b' },
      target_feature: 'ghost',
    }
    const res = await builder('/nudges/preview', token, { method: 'POST', body: { definition, locale: 'fr-CA' } })
    expect(res.status).toBe(200)
    const got = await res.json<{ nudge: { kind: string; title: string; anchor: string }; problems: string[] }>()
    expect(got.nudge).toMatchObject({ kind: 'tooltip', title: 'Salut', anchor: '[data-testid="export-csv"]' })
    expect(got.problems.join()).toMatch(/ghost/)
  })
})
