import { readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
// @ts-expect-error plain ESM script shared with `npm start`
import { DEMO_NUDGES } from '../../scripts/demo-data.mjs'
import { eventually, screenshot, useBrowser } from './browser'

const base = inject('baseUrl')
const admin = { authorization: 'Bearer sk_demo', 'content-type': 'application/json' }
const browser = useBrowser()
const t = (text: string) => ({ default: text })
const KEY = 'e2e-tour'
/** The demo's own tour and checklist, as `npm start` seeds them (the e2e server is seeded without history or nudges). */
const DEMO = ['ledgerly-tour', 'getting-started'] as const

/** The tour card and its progress text, inside the tour's shadow root (Playwright's CSS locators pierce open roots). */
const card = (page: Page) => page.locator(`[data-uptake-host="${KEY}"] [role="dialog"]`)
const expectStep = async (page: Page, progress: string) => {
  await card(page).locator('.prog', { hasText: progress }).waitFor({ timeout: 10_000 })
}

async function signIn(b: Browser, user: string, viewport = { width: 1440, height: 900 }, requests?: string[]) {
  const context = await b.newContext({ viewport })
  const page = await context.newPage()
  if (requests) page.on('request', (r) => requests.push(r.url()))
  await page.goto(`${base}/demo`)
  await page.selectOption('#login-user', user)
  await page.click('#login-submit')
  await page.waitForSelector('#view h1')
  return { context, page }
}

beforeAll(async () => {
  // the demo project's settings as seeded (launcher on): another file may have replaced them
  await fetch(`${base}/api/v1/settings`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({
      nudges: { max_per_session: 5, max_per_week: 50 },
      launcher: { enabled: true, position: 'bottom-right', label: 'Guides' },
    }),
  })
  const res = await fetch(`${base}/api/v1/nudges/${KEY}`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({
      kind: 'tour',
      priority: 950,
      title: t('Invoices, start to finish'),
      body: t('Three steps'),
      // Gina only, so no other file's user meets it
      targeting: { path: '/demo/invoices', user_attributes: [{ attribute: 'email', op: '==', value: 'gina@globex.test' }] },
      holdout: { share: 0 },
      steps: [
        { anchor: '#create-invoice', path: '/demo/invoices', title: t('Create an invoice'), body: t('Then **send** it.') },
        { path: '/demo/invoices', title: t('Filters'), body: t('Find any invoice by customer.') },
        { anchor: '#export-csv', path: '/demo/reports', title: t('Export'), body: t('A CSV for your accountant.') },
      ],
    }),
  })
  expect(res.status).toBe(201)
  for (const key of DEMO) {
    const demo = await fetch(`${base}/api/v1/nudges/${key}`, { method: 'PUT', headers: admin, body: JSON.stringify(DEMO_NUDGES[key]) })
    expect(demo.status).toBe(201)
  }
})
afterAll(async () => {
  for (const key of [KEY, ...DEMO]) await fetch(`${base}/api/v1/nudges/${key}`, { method: 'DELETE', headers: admin })
})

describe('a tour in Chromium', () => {
  it('never downloads the tours chunk on a page with no tour and no guide', async () => {
    const requests: string[] = []
    const { context, page } = await signIn(browser(), 'u_bob', undefined, requests)
    await page.waitForResponse((r) => r.url().includes('/v1/nudges'), { timeout: 10_000 })
    await page.click('a[href="/demo/invoices"]')
    await page.waitForResponse((r) => r.url().includes('/v1/nudges'), { timeout: 10_000 })
    await page.waitForTimeout(500)
    expect(requests.some((u) => u.includes('/uptake-tours.'))).toBe(false)
    expect(await page.locator('[data-uptake-host="launcher"]').count()).toBe(0)
    await context.close()
  })

  it('serves the tours chunk as the other hashed chunks: cached for a year, with CORS for its integrity check', async () => {
    const file = readdirSync('public').find((f) => /^uptake-tours\.[\w-]+\.js$/.test(f))!
    const res = await fetch(`${base}/${file}`, { headers: { origin: 'https://customer.example' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('cache-control')).toContain('immutable')
  })

  it('shows the demo’s Ledgerly tour to the trial account, with the launcher above the checklist', async () => {
    const { context, page } = await signIn(browser(), 'u_newbie', { width: 1440, height: 900 })
    await page.click('a[href="/demo/invoices"]')
    const tour = page.locator('[data-uptake-host="ledgerly-tour"] [role="dialog"]')
    await tour.locator('.prog', { hasText: 'of 3' }).waitFor({ timeout: 10_000 })
    const launch = page.locator('[data-uptake-host="launcher"] button.launch')
    const checklist = page.locator('[data-uptake-host="getting-started"] .panel')
    await checklist.waitFor({ timeout: 10_000 })
    await page.waitForTimeout(700) // the launcher lifts itself once the checklist is in place
    const [b, c] = [await launch.boundingBox(), await checklist.boundingBox()]
    expect(b!.y + b!.height).toBeLessThanOrEqual(c!.y) // above the checklist, not over it
    await screenshot(page, 'tour-demo-1440')
    await context.close()
  })

  it('walks across two pages by keyboard, resumes after a reload and on a phone, and restarts from the launcher', async () => {
    const { context, page } = await signIn(browser(), 'u_gina')
    await page.click('a[href="/demo/invoices"]')
    await expectStep(page, '1 of 3')
    await page.waitForTimeout(200) // placed on the next frame
    const [anchor, box] = [await page.locator('#create-invoice').boundingBox(), await card(page).boundingBox()]
    expect(box!.y).toBeGreaterThan(anchor!.y + anchor!.height - 1) // below its anchor
    expect(await card(page).getAttribute('aria-labelledby')).toBeTruthy()
    // focus starts on Next: Enter goes on, Shift+Tab reaches Back
    await page.keyboard.press('Enter')
    await expectStep(page, '2 of 3')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    await expectStep(page, '1 of 3')
    await page.keyboard.press('Enter')
    await expectStep(page, '2 of 3')
    await page.keyboard.press('Enter') // step 3 lives on Reports: the tour takes the user there (SPA navigation)
    await page.waitForURL('**/demo/reports')
    await expectStep(page, '3 of 3')
    await page.waitForTimeout(300)
    await screenshot(page, 'tour-1440')

    // the step is kept by the server: a reload resumes there
    await page.reload()
    await expectStep(page, '3 of 3')

    // another device, same user: a phone resumes at step 3 once on its page
    const phone = await signIn(browser(), 'u_gina', { width: 390, height: 844 })
    await phone.page.click('a[href="/demo/reports"]')
    await expectStep(phone.page, '3 of 3')
    await phone.page.waitForTimeout(300)
    await screenshot(phone.page, 'tour-390')
    await phone.context.close()

    // Escape skips the tour; the launcher lists it as skipped and restarts it at step 1 on its page
    await card(page).locator('button[data-next]').focus()
    await page.keyboard.press('Escape')
    await card(page).waitFor({ state: 'detached' })
    const launcher = page.locator('[data-uptake-host="launcher"]')
    await launcher.locator('button.launch', { hasText: 'Guides' }).click()
    const entry = launcher.locator(`li[data-guide="${KEY}"]`)
    await expect.poll(() => entry.textContent()).toContain('Skipped at step 3 of 3')
    await entry.locator('button', { hasText: 'Restart' }).click()
    await page.waitForURL('**/demo/invoices')
    await expectStep(page, '1 of 3')

    // what the console reads: each step's users, where they went on and where they left
    const steps = await eventually(async () => {
      const res = await fetch(`${base}/api/v1/nudges/${KEY}/performance`, { headers: admin })
      const perf = (await res.json()) as { steps: { index: number; shown: number; advanced: number; dismissed: number }[] }
      return perf.steps[2]?.dismissed === 1 ? perf.steps : undefined
    })
    expect(steps).toEqual([
      { index: 0, shown: 1, advanced: 1, dismissed: 0 },
      { index: 1, shown: 1, advanced: 1, dismissed: 0 },
      { index: 2, shown: 1, advanced: 0, dismissed: 1 },
    ])
    await context.close()
  })
})
