import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { eventCount, eventually, expectCount, useBrowser } from './browser'
import { useHostPages } from './host-pages'

const base = inject('baseUrl')
const browser = useBrowser()
// the host pages come from the test's own origin, as a customer's app does; uptake.js from the worker's
const hostPages = useHostPages(base)
const admin = { authorization: 'Bearer sk_demo', 'content-type': 'application/json' }

interface Sent {
  type: string
  event?: string
  messageId: string
}

/** Every event the page posted to /v1/batch that the server acknowledged. */
function acknowledged(page: Page): Sent[] {
  const sent: Sent[] = []
  page.on('response', async (res) => {
    if (!res.url().includes('/v1/batch') || !res.ok()) return
    sent.push(...(JSON.parse(res.request().postData() ?? '{}') as { batch: Sent[] }).batch)
  })
  return sent
}

const shape = (sent: Sent[]) => sent.map((e) => e.event ?? e.type)

describe('a host whose localStorage fails', () => {
  it('sends the same events as with working storage: identify, group, login, page and all five tracks', async () => {
    const results: Record<string, string[]> = {}
    for (const mode of ['ok', 'throws', 'quota']) {
      const account = `storage-${mode}-co`
      const context = await browser().newContext()
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      const sent = acknowledged(page)
      await page.goto(`${hostPages()}/test-pages/storage?storage=${mode}&user=storage-${mode}&account=${account}&tracks=5`)
      if (mode === 'throws')
        expect(
          await page.evaluate(() => {
            try {
              return !!localStorage
            } catch (e) {
              return (e as DOMException).name
            }
          }),
        ).toBe('SecurityError')
      await eventually(async () => (sent.length >= 9 ? true : undefined))
      await page.click('#do-thing') // and a later event still goes out
      await eventually(async () => (sent.some((e) => e.event === 'Test Thing') ? true : undefined))
      expect(errors).toEqual([]) // nothing thrown into the host page
      expect(new Set(sent.map((e) => e.messageId)).size).toBe(sent.length)
      results[mode] = shape(sent)
      await expectCount(() => eventCount(base, account, 'Queued Thing'), 5)
      const detail = (await (await fetch(`${base}/api/v1/accounts/${account}`, { headers: admin })).json()) as { users: { id: string }[] }
      expect(detail.users.map((u) => u.id)).toEqual([`storage-${mode}`]) // identify and group arrived
      await context.close()
    }
    expect([...results.ok].sort()).toEqual(
      ['identify', 'group', 'Signed In', 'page', 'Test Thing', '$click', ...Array(5).fill('Queued Thing')].sort(),
    )
    expect(results.throws).toEqual(results.ok)
    expect(results.quota).toEqual(results.ok)
  })
})

describe('page views', () => {
  it.each([['after'], ['before']])(
    'count once per URL with a router that calls page() %s pushState (load + one route change = 2)',
    async (order) => {
      const account = `router-${order}-co`
      const context = await browser().newContext()
      const page = await context.newPage()
      const sent = acknowledged(page)
      await page.goto(`${hostPages()}/test-pages/router?order=${order}&user=router-${order}&account=${account}`)
      await page.waitForFunction(() => (window as unknown as { uptake?: { loaded?: boolean } }).uptake?.loaded === true)
      await eventually(async () => (sent.some((e) => e.type === 'page') ? true : undefined))
      await page.click('a[data-route]')
      await page.waitForURL('**/test-pages/router/invoices**')
      await page.click('#do-thing') // something after the route change, so its page view has surely been sent
      await eventually(async () => (sent.some((e) => e.event === 'Test Thing') ? true : undefined))
      // counted on what the server acknowledged: with the async tag, the first page view may leave before the
      // host's queued identify/group (then it is anonymous and not in the account), so the account count races
      await expectCount(async () => sent.filter((e) => e.type === 'page').length, 2, 2500)
      expect(new Set(sent.map((e) => e.messageId)).size).toBe(sent.length)
      await context.close()
    },
  )
})

describe('serving the widget to other origins', () => {
  const other = base.replace('127.0.0.1', 'localhost') // another origin, same server
  const chunk = readdirSync('public').find((f) => /^uptake-nudges\.[\w-]+\.js$/.test(f))!
  const sri = (file: string, algo = 'sha384') =>
    `${algo}-${createHash(algo)
      .update(readFileSync(`public/${file}`))
      .digest('base64')}`

  it('serves no browser-test host page from the production assets', async () => {
    for (const path of ['/test-pages/host', '/test-pages/host.html', '/test-pages/host.js'])
      expect((await fetch(`${base}${path}`)).status, path).toBe(404)
  })

  it('answers a cross-origin fetch of the loader (short cache) and of the hashed chunk (immutable), with CORS', async () => {
    const page = await browser().newPage()
    await page.goto(`${hostPages()}/test-pages/host`)
    const headers = await page.evaluate(
      async (urls) => {
        const out: Record<string, string | null>[] = []
        for (const url of urls) {
          const res = await fetch(url, { mode: 'cors' }) // throws without Access-Control-Allow-Origin
          out.push({ status: String(res.status), cache: res.headers.get('cache-control'), type: res.type })
        }
        return out
      },
      [`${other}/uptake.js`, `${other}/${chunk}`],
    )
    expect(headers[0]).toEqual({ status: '200', cache: 'public, max-age=300', type: 'cors' })
    expect(headers[1]).toEqual({ status: '200', cache: 'public, max-age=31536000, immutable', type: 'cors' })
    const direct = await fetch(`${other}/uptake.js`, { headers: { origin: 'https://app.example' } })
    expect(direct.headers.get('access-control-allow-origin')).toBe('*')
    await page.close()
  })

  it('runs when a host on another origin pins uptake.js with integrity=, and the loader pins the nudge chunk', async () => {
    await fetch(`${base}/api/v1/settings`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 50 } }),
    })
    await fetch(`${base}/api/v1/nudges/sri-banner`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        kind: 'banner',
        title: { default: 'Pinned' },
        body: { default: 'Loaded with SRI' },
        holdout: { share: 0 },
        targeting: { user_attributes: [{ attribute: 'name', op: '==', value: 'sri-user' }] },
      }),
    })
    try {
      const context = await browser().newContext()
      const page = await context.newPage()
      const failed: string[] = []
      page.on('requestfailed', (r) => failed.push(r.url()))
      page.on('console', (m) => /integrity|Cross-Origin|CORS/i.test(m.text()) && failed.push(m.text()))
      // a host page on this origin, embedding uptake.js from the other one with integrity= and crossorigin
      const visit = (user: string, integrity: string) =>
        page.goto(
          `${hostPages()}/test-pages/sri-host?user=${user}&account=sri-co&src=${encodeURIComponent(`${other}/uptake.js`)}&integrity=${encodeURIComponent(integrity)}`,
        )
      const good = sri('uptake.js')
      await visit('sri-user', good)
      await page.waitForFunction(() => (window as unknown as { uptake?: { loaded?: boolean } }).uptake?.loaded === true)
      await page.locator('[data-uptake-host="sri-banner"] .banner').waitFor({ timeout: 15_000 })
      expect(failed).toEqual([])
      // the nudge chunk came from the other origin too, pinned by the loader to the hash of the file served
      const pinned = await page.evaluate(() => {
        const s = document.querySelector<HTMLScriptElement>('script[src*="/uptake-nudges."]')
        return s && { src: s.src, integrity: s.integrity }
      })
      expect(pinned).toEqual({ src: `${other}/${chunk}`, integrity: sri(chunk, 'sha256') })
      await expectCount(() => eventCount(base, 'sri-co', '$nudge_shown'), 1)
      // a wrong hash: the browser refuses the script, the host's queue stays a plain array
      await visit('sri-user-2', `${good.slice(0, 7)}${good[7] === 'A' ? 'B' : 'A'}${good.slice(8)}`)
      await page.waitForTimeout(1500)
      expect(await page.evaluate(() => Array.isArray((window as unknown as { uptake?: unknown }).uptake))).toBe(true)
      expect(failed.join('\n')).toMatch(/integrity/i)
      await context.close()
    } finally {
      await fetch(`${base}/api/v1/nudges/sri-banner`, { method: 'DELETE', headers: admin })
    }
  })
})
