import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from 'esbuild'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { eventCount, eventually, expectCount, useBrowser } from './browser'

const base = inject('baseUrl')
const browser = useBrowser()

interface AccountUsers {
  account: { name: string }
  users: { id: string; traits: Record<string, unknown>; events_30d: number }[]
}

/** The user's events of the last 30 days as the CS API counts them (0 until the account exists). */
async function userEvents(account: string, user: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/accounts/${encodeURIComponent(account)}`, { headers: { authorization: 'Bearer rk_demo' } })
  if (res.status === 404) return 0
  return ((await res.json()) as AccountUsers).users.find((u) => u.id === user)?.events_30d ?? 0
}

// The real @segment/analytics-next from node_modules, bundled by esbuild and served by this test from
// another origin (its own port) than the worker, as on a customer's site.
let host: Server
let origin = ''

beforeAll(async () => {
  const bundle = await build({
    stdin: {
      contents: "import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser",
      resolveDir: process.cwd(),
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  })
  const script = bundle.outputFiles[0].text
  host = createServer((req, res) => {
    if (req.url === '/analytics.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><meta charset="utf-8"><title>Vendor app</title><script src="/analytics.js"></script>')
  })
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => (host ? host.close(() => resolve()) : resolve())))

/** Loads analytics-next on the vendor page pointed at Uptake, then identifies, groups, tracks and pages. */
async function runSegment(page: Page, user: string, account: string, batching: boolean) {
  await page.goto(`${origin}/`)
  const apiHost = `${new URL(base).host}/v1`
  await page.evaluate(
    async ({ apiHost, user, account, batching }) => {
      type Analytics = { identify: Function; group: Function; track: Function; page: Function }
      const w = window as unknown as { AnalyticsBrowser: { load: (s: unknown, o?: unknown) => Promise<[Analytics]> } }
      const segment = {
        apiKey: 'wk_demo',
        apiHost,
        protocol: 'http',
        ...(batching ? { deliveryStrategy: { strategy: 'batching', config: { size: 4, timeout: 500 } } } : {}),
      }
      // cdnSettings as Segment's CDN would serve them, so nothing is fetched from Segment
      const [analytics] = await w.AnalyticsBrowser.load({ writeKey: 'wk_demo', cdnSettings: { integrations: { 'Segment.io': segment } } })
      const calls: (() => Promise<unknown>)[] = [
        () => analytics.identify(user, { email: `${user}@segment.test` }),
        () => analytics.group(account, { name: `Segment ${account}` }),
        () => analytics.track('Invoice Created', { amount: 250 }),
        () => analytics.page('Segment Home'),
      ]
      // one request per call: wait for each before the next, as a host that groups before it tracks does
      // (the account of a track call without context.groupId is the user's account when it arrives)
      if (!batching) for (const call of calls) await call()
      else await Promise.all(calls.map((call) => call()))
    },
    { apiHost, user, account, batching },
  )
}

describe('the real Segment browser library (@segment/analytics-next)', () => {
  it.each([
    ['one request per call on the short paths /v1/i, /v1/g, /v1/t, /v1/p', false, ['/v1/i', '/v1/g', '/v1/t', '/v1/p']],
    ['batching to /v1/b', true, ['/v1/b']],
  ])('delivers identify, group, track and page from another origin, %s, each counted once', async (_name, batching, paths) => {
    const user = `seg-${batching ? 'batch' : 'std'}-user`
    const account = `seg-${batching ? 'batch' : 'std'}-co`
    const context = await browser().newContext()
    const page = await context.newPage()
    const posts: { path: string; status: number }[] = []
    page.on('response', (r) => {
      const url = new URL(r.url())
      if (r.request().method() === 'POST' && url.origin === base) posts.push({ path: url.pathname, status: r.status() })
    })
    await runSegment(page, user, account, batching as boolean)
    await eventually(async () => (posts.length >= (paths as string[]).length ? true : undefined))
    expect(posts.every((p) => p.status === 200)).toBe(true)
    expect([...new Set(posts.map((p) => p.path))].sort()).toEqual([...(paths as string[])].sort())
    await context.close()

    // identify + group + track + page, each stored once for the user, in the account of its group call
    await expectCount(() => userEvents(account, user), 4)
    expect(await eventCount(base, account, 'Invoice Created')).toBe(1)
    expect(await eventCount(base, account, 'Segment Home')).toBe(1)
    const detail = (await (
      await fetch(`${base}/api/v1/accounts/${account}`, { headers: { authorization: 'Bearer rk_demo' } })
    ).json()) as AccountUsers
    expect(detail.account.name).toBe(`Segment ${account}`)
    expect(detail.users.find((u) => u.id === user)?.traits).toMatchObject({ email: `${user}@segment.test` })
  })
})
