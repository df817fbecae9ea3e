import { afterAll, beforeAll } from 'vitest'
import { mkdirSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Debian's Chromium driven by playwright-core (playwright's own browser download cannot run here). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
}

/** Screenshots are test artifacts under test-results/ (gitignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results', { recursive: true })
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: true })
}

export async function csApi<T>(base: string, path: string, key = 'sk_demo'): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json() as Promise<T>
}

/** Polls until `check` returns a value (not undefined), for data that arrives asynchronously. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${last}` : ''}`)
}

export interface AccountDetail {
  users: { id: string }[]
  events: { name: string; events_30d: number }[]
  features: { key: string; uses_30d: number }[]
}

/** Events of one name counted for an account through the CS API (0 when the account is unknown yet). */
export async function eventCount(base: string, account: string, name: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/accounts/${encodeURIComponent(account)}`, { headers: { authorization: 'Bearer rk_demo' } })
  if (res.status === 404) return 0
  const detail = (await res.json()) as AccountDetail
  return detail.events.find((e) => e.name === name)?.events_30d ?? 0
}

export async function featureUses(base: string, account: string, key: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/accounts/${encodeURIComponent(account)}`, { headers: { authorization: 'Bearer rk_demo' } })
  if (res.status === 404) return 0
  return ((await res.json()) as AccountDetail).features.find((f) => f.key === key)?.uses_30d ?? 0
}

/** Waits until `count()` reaches `expected`, then checks it stays there (no late duplicates). */
export async function expectCount(count: () => Promise<number>, expected: number, settleMs = 1500): Promise<void> {
  await eventually(async () => ((await count()) >= expected ? true : undefined))
  await new Promise((r) => setTimeout(r, settleMs))
  const final = await count()
  if (final !== expected) throw new Error(`expected exactly ${expected}, got ${final}`)
}

/** One Chromium per test file, launched before its tests and closed after them. */
export function useBrowser(): () => Browser {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })
  return () => browser
}

/** Waits until the widget's outbox in this page is empty: everything it captured reached the server. */
export async function outboxDrained(page: import('playwright-core').Page): Promise<void> {
  await page.waitForTimeout(100) // let route-change handlers (setTimeout 0) enqueue first
  await page.waitForFunction(
    () => !(JSON.parse(localStorage.getItem('uptake:outbox') ?? '{"events":[]}').events as unknown[]).length,
    undefined,
    { timeout: 30_000 },
  )
}
