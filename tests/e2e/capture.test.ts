import { describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { eventCount, expectCount, featureUses, outboxDrained, screenshot, useBrowser } from './browser'
import { useHostPages } from './host-pages'

const base = inject('baseUrl')
const browser = useBrowser()
// the host pages come from the test's own origin, as a customer's app does; uptake.js from the worker's
const hostPages = useHostPages(base)

async function demoLogin(page: Page, user: string) {
  await page.goto(`${base}/demo`)
  await page.selectOption('#login-user', user)
  await page.click('#login-submit')
  await page.waitForSelector('#view h1')
}

/** A host test page as a fresh visitor identified as `user` of `account`. */
async function hostPage(name: string, user: string, account: string) {
  const context = await browser().newContext()
  const page = await context.newPage()
  await page.goto(`${hostPages()}/test-pages/${name}?user=${user}&account=${account}`)
  await page.waitForFunction(() => (window as unknown as { uptake?: { loaded?: boolean } }).uptake?.loaded === true)
  return { context, page }
}

describe('capture in a real browser', () => {
  it('turns single-page-app navigation into page events', async () => {
    const page = await browser().newPage()
    await demoLogin(page, 'u_ivan')
    for (const to of ['invoices', 'reports', 'customers']) await page.click(`a[href="/demo/${to}"]`)
    await page.goBack() // popstate
    await page.waitForURL('**/demo/reports')
    await outboxDrained(page)
    await page.close()
    // dashboard, invoices, reports, customers, back to reports
    await expectCount(() => eventCount(base, 'initech', '$page'), 5)
  })

  it('counts a click on a server-defined selector rule with no host code', async () => {
    const page = await browser().newPage()
    await demoLogin(page, 'u_uma')
    await page.click('a[href="/demo/reports"]')
    await page.click('#export-csv')
    await outboxDrained(page)
    await page.close()
    await expectCount(() => featureUses(base, 'umbrella', 'report.export'), 1)
  })

  it('counts a click on a data-uptake-feature element', async () => {
    const page = await browser().newPage()
    await demoLogin(page, 'u_hank')
    await page.click('a[href="/demo/invoices"]')
    await page.click('button[data-uptake-feature="invoice.send"] >> nth=1')
    await outboxDrained(page)
    await page.close()
    await expectCount(() => featureUses(base, 'hooli', 'invoice.send'), 1)
  })

  it('delivers every event exactly once after a period offline', async () => {
    const { context, page } = await hostPage('host', 'off-1', 'offline-co')
    await context.setOffline(true)
    for (let i = 0; i < 5; i++) await page.click('#do-thing')
    await page.waitForTimeout(3000) // several failed attempts with backoff
    await context.setOffline(false)
    await page.click('#do-thing')
    await expectCount(() => eventCount(base, 'offline-co', 'Test Thing'), 6, 3000)
    await context.close()
  })

  it('keeps the unsent events of two offline tabs sharing one outbox, and delivers each once', async () => {
    const { context, page: tabA } = await hostPage('host', 'tabs-1', 'tabs-co')
    const tabB = await context.newPage()
    await tabB.goto(`${hostPages()}/test-pages/host?user=tabs-1&account=tabs-co`)
    await tabB.waitForFunction(() => (window as unknown as { uptake?: { loaded?: boolean } }).uptake?.loaded === true)
    await context.setOffline(true)
    for (const tab of [tabA, tabB, tabA, tabB, tabB]) await tab.click('#do-thing')
    await tabA.close() // its page-hide beacon fails offline: tab B must still hold its events
    await tabB.waitForTimeout(1000)
    await context.setOffline(false)
    await expectCount(() => eventCount(base, 'tabs-co', 'Test Thing'), 5, 3000)
    await context.close()
  })

  it('sends after a reload the events a page could not deliver', async () => {
    const { context, page } = await hostPage('host', 'reload-1', 'reload-co')
    await page.route('**/v1/batch', (route) => route.abort())
    for (let i = 0; i < 3; i++) await page.click('#do-thing')
    await page.waitForTimeout(500)
    await page.unroute('**/v1/batch')
    await page.route('**/v1/batch', (route) => route.abort()) // the beacon on unload fails too
    await page.reload()
    await page.unroute('**/v1/batch')
    await expectCount(() => eventCount(base, 'reload-co', 'Test Thing'), 3, 3000)
    await context.close()
  })

  it('captures nothing in consent mode before consent, and captures after it', async () => {
    const { context, page } = await hostPage('consent', 'consent-1', 'consent-co')
    const posts: string[] = []
    page.on('request', (r) => r.url().includes('/v1/batch') && posts.push(r.postData() ?? ''))
    await page.click('#do-thing')
    await page.waitForTimeout(3000)
    expect(posts).toEqual([])
    expect(await page.evaluate(() => localStorage.getItem('uptake:outbox'))).toBeNull()
    await page.click('#consent')
    await page.click('#do-thing')
    await expectCount(() => eventCount(base, 'consent-co', 'Test Thing'), 1)
    await context.close()
  })

  it("shows the demo's consent banner in consent mode and sends nothing until it is accepted", async () => {
    const context = await browser().newContext()
    const page = await context.newPage()
    const posts: string[] = []
    page.on('request', (r) => r.url().includes('/v1/batch') && posts.push(r.postData() ?? ''))
    await page.goto(`${base}/demo?consent=required`)
    await page.waitForSelector('#consent-banner', { state: 'visible' })
    await page.selectOption('#login-user', 'u_hank')
    await page.click('#login-submit')
    await page.click('a[href="/demo/reports"]')
    await page.waitForTimeout(3000)
    expect(posts).toEqual([])
    await page.click('#consent-accept')
    await page.click('a[href="/demo/invoices"]')
    await page.waitForRequest((r) => r.url().includes('/v1/batch'), { timeout: 10_000 })
    expect(await page.isHidden('#consent-banner')).toBe(true)
    const pages = posts
      .flatMap((b) => (JSON.parse(b) as { batch: { type: string; properties?: { path?: string } }[] }).batch)
      .filter((e) => e.type === 'page')
    expect(pages.map((e) => e.properties?.path)).toEqual(['/demo/invoices']) // the visit to reports came before consent
    await context.close()
  })

  it('works under a strict Content-Security-Policy without violations', async () => {
    const { context, page } = await hostPage('csp', 'csp-1', 'csp-co')
    const violations: string[] = []
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()))
    await page.evaluate(() =>
      document.addEventListener('securitypolicyviolation', (e) => console.log(`Content Security Policy violation ${e.violatedDirective}`)),
    )
    await page.click('#do-thing')
    await expectCount(() => eventCount(base, 'csp-co', 'Test Thing'), 1)
    const csp = (await page.goto(page.url()))?.headers()['content-security-policy']
    expect(csp).toContain("script-src 'self'")
    expect(violations, violations.join('\n')).toEqual([])
    await screenshot(page, 'capture-strict-csp')
    await context.close()
  })

  it('keeps capturing, once, on a host page whose own scripts throw and which loads the widget twice', async () => {
    const { context, page } = await hostPage('throwing', 'throw-1', 'throw-co')
    await page.click('#do-thing')
    await expectCount(() => eventCount(base, 'throw-co', 'Test Thing'), 1)
    const errors = await page.evaluate(() => (window as unknown as { hostErrors: string[] }).hostErrors)
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.every((e) => e.includes('host'))).toBe(true)
    await context.close()
  })
})
