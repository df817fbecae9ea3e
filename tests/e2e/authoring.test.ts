import { afterAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { eventually, screenshot, useBrowser } from './browser'
import { useHostPages } from './host-pages'

const base = inject('baseUrl')
const admin = { authorization: 'Bearer sk_demo', 'content-type': 'application/json' }
const browser = useBrowser()
const hostPages = useHostPages(base)
const FEATURE = 'export-csv'
const NUDGE = 'export-csv-tip'
const TOUR = 'reports-tour'
const contexts: BrowserContext[] = []

async function adminApi<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, { ...init, headers: admin })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (res.status === 204 ? null : await res.json()) as T
}

/** A fresh browser profile on the product page, with every request it makes listed. */
async function open(url: string, viewport = { width: 1440, height: 900 }) {
  const context = await browser().newContext({ viewport })
  contexts.push(context)
  const page = await context.newPage()
  const requests: string[] = []
  page.on('request', (r) => requests.push(r.url()))
  await page.goto(url)
  return { page, requests }
}

/** The builder's panel, inside its shadow root (playwright's CSS pierces open shadow roots). */
const panel = (page: Page) => page.locator('[data-uptake-builder] .panel')
const builderChunk = (requests: string[]) => requests.some((u) => u.includes('/uptake-builder.'))

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  for (const key of [NUDGE, TOUR]) await fetch(`${base}/api/v1/nudges/${key}`, { method: 'DELETE', headers: admin })
  await fetch(`${base}/api/v1/features/${FEATURE}`, { method: 'DELETE', headers: admin })
})

describe('authoring in the product page', () => {
  let author: Page
  let pastClicks = 0

  it('records raw clicks on a button inside a shadow root, and never loads the builder for end users', async () => {
    const { page, requests } = await open(`${hostPages()}/test-pages/author?user=au-past&account=au-past-co`)
    const button = page.locator('export-card button[data-testid="shadow-export"]')
    await button.waitFor()
    await page.waitForFunction(() => (window as unknown as { uptake?: { loaded?: boolean } }).uptake?.loaded)
    for (let i = 0; i < 3; i++) await button.click()
    // delivered by the widget's own flush (a fetch retried on a 503), not a page-hide beacon: a busy CI machine's
    // dev server once refused the beacon, which is not retried while the page stays open, and the clicks never came
    pastClicks = 3
    expect(builderChunk(requests)).toBe(false)
  })

  it('opens a link: the fragment goes at once, the builder loads, the link works only once', async () => {
    const { link } = await adminApi<{ link: string }>('/authoring/links', {
      method: 'POST',
      body: JSON.stringify({ url: `${hostPages()}/test-pages/author` }),
    })
    expect(link).toContain('#uptake-author=')
    const { page, requests } = await open(link)
    author = page
    await panel(page).waitFor({ timeout: 10_000 })
    expect(page.url()).toBe(`${hostPages()}/test-pages/author`)
    expect(builderChunk(requests)).toBe(true)
    // content-hashed like the nudge chunk: cached for a year, with CORS for the integrity check from another origin
    const chunk = await fetch(requests.find((u) => u.includes('/uptake-builder.'))!)
    expect(chunk.headers.get('access-control-allow-origin')).toBe('*')
    expect(chunk.headers.get('cache-control')).toContain('immutable')
    expect(await page.evaluate(() => sessionStorage.getItem('uptake-author'))).toMatch(/^as_/)
    // the same link again, in another profile: refused, no builder
    const again = await open(link)
    const refused = again.page.locator('[data-uptake-builder] [role="status"]')
    await refused.waitFor({ timeout: 10_000 })
    expect(await refused.textContent()).toMatch(/already used/)
    expect(await again.page.evaluate(() => sessionStorage.getItem('uptake-author'))).toBeNull()
  })

  it('picks the button inside the shadow root, proposes its test id, counts past clicks, saves a feature in two clicks', async () => {
    await panel(author).getByRole('button', { name: 'Pick an element' }).click()
    await author.locator('export-card button[data-testid="shadow-export"]').click()
    const selector = panel(author).locator('input').first()
    await expect(selector.inputValue()).resolves.toBe('[data-testid="shadow-export"]')
    expect(await panel(author).locator('[data-count="page"]').textContent()).toBe('1')
    let seen = -1
    const past = await eventually(async () => {
      // a fresh preview request each round: the raw clicks may still be on their way in
      await selector.fill('')
      await selector.fill('[data-testid="shadow-export"]')
      await author.waitForTimeout(600)
      seen = Number(await panel(author).locator('[data-count="past"]').textContent())
      return seen === pastClicks ? seen : undefined
    }, 40_000).catch((e: Error) => {
      throw new Error(`${e.message}; the preview last counted ${seen} past clicks`)
    })
    expect(past).toBe(3)
    await panel(author).getByRole('button', { name: 'Save as feature' }).click()
    await expect(panel(author).getByLabel('Key').inputValue()).resolves.toBe(FEATURE)
    await panel(author).getByRole('button', { name: 'Publish' }).click()
    await panel(author).getByText(`Published ${FEATURE}`).waitFor()
    const saved = await adminApi<{ feature: { rules: { selector: string; path: string }[] } }>(`/features/${FEATURE}`)
    expect(saved.feature.rules).toEqual([{ match: 'click', selector: '[data-testid="shadow-export"]', path: '/test-pages/author' }])
    // the preview's count is what re-tagging then finds in the stored clicks
    const retagged = await eventually(async () => {
      const r = await adminApi<{ rebuild: { status: string; retagged: number } }>(`/features/${FEATURE}`)
      return r.rebuild.status === 'done' ? r.rebuild.retagged : undefined
    })
    expect(retagged).toBe(past)
  })

  it('builds a tooltip in place, previews it with the nudge UI, publishes it; an end user then gets it', async () => {
    await panel(author).getByRole('button', { name: 'Back' }).click()
    await panel(author).getByRole('button', { name: 'Nudge here' }).click()
    await panel(author).getByLabel('Key').fill(NUDGE)
    await panel(author).getByLabel('Title').fill('Export in one click')
    await panel(author).getByLabel(/^Text/).fill('Your accountant gets a **CSV** of every invoice.')
    await panel(author)
      .getByLabel(/^Holdout/)
      .fill('0')
    await panel(author).getByRole('button', { name: 'Preview' }).click()
    const preview = author.locator('[data-uptake-host="uptake-preview"] [role="dialog"]')
    await preview.waitFor()
    expect(await preview.textContent()).toContain('Export in one click')
    expect(await adminApi<{ nudges: { key: string }[] }>('/nudges').then((r) => r.nudges.map((n) => n.key))).not.toContain(NUDGE)
    await screenshot(author, 'builder-1440')
    await panel(author).getByRole('button', { name: 'Save draft' }).click()
    await panel(author).getByText(`Draft of ${NUDGE} saved`).waitFor()
    await panel(author).getByRole('button', { name: 'Publish' }).click()
    await panel(author).getByText(`Published ${NUDGE}`).waitFor()
    const history = await adminApi<{ versions: { version: number; author: string }[] }>(`/nudges/${NUDGE}/versions`)
    expect(history.versions.map((v) => v.version)).toEqual([1])

    const { page, requests } = await open(`${hostPages()}/test-pages/author?user=au-end&account=au-end-co`)
    const tip = page.locator(`[data-uptake-host="${NUDGE}"] [role="dialog"]`)
    await tip.waitFor({ timeout: 15_000 })
    expect(await tip.textContent()).toContain('Export in one click')
    // the shadow-root button is now a feature for this user too (the core reads the click's composed path)
    await page.keyboard.press('Escape')
    await page.locator('export-card button[data-testid="shadow-export"]').click()
    await page.evaluate(() => dispatchEvent(new Event('pagehide')))
    await eventually(async () => {
      const res = await fetch(`${base}/api/v1/accounts/au-end-co`, { headers: admin })
      const detail = (await res.json()) as { features?: { key: string; uses_30d: number }[] }
      return detail.features?.find((f) => f.key === FEATURE)?.uses_30d ? true : undefined
    })
    expect(builderChunk(requests)).toBe(false)
  })

  it('builds a three-step tour across two pages without JSON or CSS, previews a step, publishes it', async () => {
    // the earlier end users' pages are users too: once the tour is live they could be shown it and count in its analytics
    for (const c of contexts.splice(0).filter((c) => c !== author.context())) await c.close()
    contexts.push(author.context())
    await panel(author).getByRole('button', { name: 'Close' }).click()
    await panel(author).getByRole('button', { name: 'New nudge' }).click()
    await panel(author).getByLabel('Kind').selectOption('tour')
    await panel(author).getByLabel('Key').fill(TOUR)
    await panel(author).getByLabel('Tour name').fill('Get to know reports')
    await panel(author).getByRole('button', { name: 'Pick anchor' }).click()
    await author.locator('export-card button[data-testid="shadow-export"]').click()
    await panel(author).getByLabel('Step title').fill('Export here')
    await panel(author).getByRole('button', { name: '+ step' }).click()
    await panel(author).getByRole('button', { name: 'Pick anchor' }).click()
    await author.locator('button[data-testid="print"]').click()
    await panel(author).getByLabel('Step title').fill('Or print it')
    await panel(author).getByRole('button', { name: '+ step' }).click()
    await panel(author).getByLabel('Page', { exact: true }).fill('/test-pages/author/done')
    await panel(author).getByLabel('Step title').fill('All set')
    await panel(author).getByRole('button', { name: 'Step 2' }).click()
    await panel(author).getByRole('button', { name: 'Preview' }).click()
    const preview = author.locator('[data-uptake-host="uptake-preview"] [role="dialog"]')
    await preview.waitFor()
    expect(await preview.textContent()).toContain('Or print it')
    expect(await preview.textContent()).toContain('2 of 3')
    await panel(author).getByRole('button', { name: 'Publish' }).click()
    await panel(author).getByText(`Published ${TOUR}`).waitFor()
    const tour = await adminApi<{ nudge: { kind: string; steps: { anchor?: string; path?: string; title: { default: string } }[] } }>(
      `/nudges/${TOUR}`,
    )
    expect(tour.nudge.kind).toBe('tour')
    expect(tour.nudge.steps.map((st) => [st.anchor ?? null, st.path, st.title.default])).toEqual([
      ['[data-testid="shadow-export"]', '/test-pages/author', 'Export here'],
      ['[data-testid="print"]', '/test-pages/author', 'Or print it'],
      [null, '/test-pages/author/done', 'All set'],
    ])
  })

  it('a fresh end user walks the built tour: two steps on, a reload resumes at step 3, and the per-step analytics say exactly that', async () => {
    await adminApi(`/nudges/${NUDGE}`, { method: 'DELETE' }) // the tooltip built above would compete for the one overlay slot
    const { page, requests } = await open(`${hostPages()}/test-pages/author?user=au-walker&account=au-walker-co`)
    const card = page.locator(`[data-uptake-host="${TOUR}"] [role="dialog"]`)
    const step = (progress: string) => card.locator('.prog', { hasText: progress }).waitFor({ timeout: 15_000 })
    await step('1 of 3')
    await card.locator('button[data-next]').click()
    await step('2 of 3')
    await card.locator('button[data-next]').click() // step 3 lives on another page: the tour takes the user there
    await page.waitForURL('**/test-pages/author/done')
    await step('3 of 3')
    await page.reload()
    await step('3 of 3')
    await screenshot(page, 'builder-tour-end-user')
    const steps = await eventually(async () => {
      const perf = await adminApi<{ steps: { index: number; shown: number; advanced: number; dismissed: number }[] }>(
        `/nudges/${TOUR}/performance`,
      )
      return perf.steps[2]?.shown === 1 && perf.steps[1]?.advanced === 1 ? perf.steps : undefined
    })
    expect(steps).toEqual([
      { index: 0, shown: 1, advanced: 1, dismissed: 0 },
      { index: 1, shown: 1, advanced: 1, dismissed: 0 },
      { index: 2, shown: 1, advanced: 0, dismissed: 0 },
    ])
    expect(builderChunk(requests)).toBe(false)
  })

  it('picks inside a modal dialog: the builder moves into it, so it stays usable while the rest of the page is inert', async () => {
    await panel(author).getByRole('button', { name: 'Close' }).click()
    await author.locator('#open-settings').click()
    await panel(author).getByRole('button', { name: 'Pick an element' }).click()
    await author.locator('dialog button[data-testid="save-settings"]').click()
    await expect(panel(author).locator('input').first().inputValue()).resolves.toBe('[data-testid="save-settings"]')
    expect(await author.locator('dialog[open] [data-uptake-builder]').count()).toBe(1)
    await panel(author).getByRole('button', { name: 'Pick again' }).click() // clickable: not inert
    await author.keyboard.press('Escape') // leaves picking (and closes the product's dialog)
    await author.evaluate(() => (document.getElementById('settings') as HTMLDialogElement).close())
    await panel(author).getByRole('button', { name: 'Pick an element' }).waitFor()
  })

  it('stays usable at 390 px', async () => {
    await author.setViewportSize({ width: 390, height: 844 })
    await panel(author).getByRole('button', { name: 'New nudge' }).click()
    await author.waitForTimeout(300)
    const box = (await panel(author).boundingBox())!
    expect(box.x).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width).toBeLessThanOrEqual(390)
    expect(await author.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await expect(panel(author).getByRole('button', { name: 'Publish' }).isVisible()).resolves.toBe(true)
    await screenshot(author, 'builder-390')
  })
})
