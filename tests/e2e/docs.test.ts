import { existsSync, mkdirSync } from 'node:fs'
import { describe, expect, inject, it } from 'vitest'
import { useBrowser } from './browser'

const base = inject('baseUrl')
const browser = useBrowser()

describe('/api/docs, the API reference page', () => {
  it('has Swagger UI copied into the assets by the build (npm run build)', () => {
    expect(existsSync('public/api/docs/swagger-ui-bundle.js'), 'run `npm run build:docs`').toBe(true)
  })

  it('answers /api/docs without the trailing slash', async () => {
    const res = await fetch(`${base}/api/docs`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('/api/docs/docs.js')
  })

  it('renders every operation of the contract in Chromium from this origin only, under a CSP without inline script', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } })
    const problems: string[] = []
    const foreign: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('request', (r) => !r.url().startsWith(base) && !r.url().startsWith('data:') && foreign.push(r.url()))
    const res = await page.goto(`${base}/api/docs`)
    expect(res!.status()).toBe(200)
    expect(await res!.headerValue('content-security-policy')).toContain("script-src 'self';")
    await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 })
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0)
    expect(await page.locator('.opblock').count()).toBe(operations)
    expect(await page.locator('.opblock-summary-path', { hasText: '/api/v1/settings' }).count()).toBe(2)
    expect(await page.locator('.info .title').innerText()).toContain('Uptake API')
    mkdirSync('test-results/screenshots', { recursive: true })
    await page.screenshot({ path: 'test-results/screenshots/api-docs.png', fullPage: false })
    // the settings PUT opened: its snake_case request example is what a reader sees first
    await page.locator('.opblock-put .opblock-summary-path', { hasText: '/api/v1/settings' }).click()
    await page.waitForSelector('.opblock-put .body-param__example, .opblock-put .microlight', { timeout: 10_000 })
    await expect.poll(() => page.locator('.opblock-put.is-open').innerText()).toContain('max_per_session')
    await page.locator('.opblock-put.is-open').screenshot({ path: 'test-results/screenshots/api-docs-settings.png' })
    expect(problems).toEqual([])
    expect(foreign).toEqual([])
    await page.close()
  })
})
