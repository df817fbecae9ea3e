import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { csApi, screenshot, useBrowser } from './browser'
import { consoleServer } from './console-server'

/**
 * UI-B's console views (Account 360, Insights, Nudges) in Chromium on the demo seeded with 90 days of history, checked
 * against the API they read. Screenshots: test-results/console-<account|insights|nudges>-<390|1440>.png.
 */
const browser = useBrowser()
let base = ''
// the shared history seed can take minutes on a busy machine (UPTAKE_CONSOLE_BASE reuses a running server instead)
beforeAll(async () => {
  base = await consoleServer()
}, 600_000)

interface Health {
  score: number | null
  explanation: { measures: { key: string; contribution: number }[] } | null
  history: { day: string; score: number | null }[]
}
interface Performance {
  funnel: { users_shown: number; clicked: number; completed: number }
  overall: { shown: { converted: number } } | null
}

async function open(path: string, width: number, ready: string, key = 'rk_demo'): Promise<{ page: Page; ms: number }> {
  const page = await browser().newPage({ viewport: { width, height: 900 } })
  await page.addInitScript((k) => sessionStorage.setItem('uptake.console.key', k), key)
  const t0 = Date.now()
  // generous: the dev server shares two cores with everything else and reloads when worker files change
  await page.goto(`${base}${path}`, { timeout: 60_000 })
  await page.waitForSelector(ready, { timeout: 60_000 })
  await page.waitForFunction(() => document.querySelectorAll('.state-loading').length === 0)
  return { page, ms: Date.now() - t0 }
}

async function noOverflow(page: Page, width: number) {
  const wide = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth))
  expect(wide).toBeLessThanOrEqual(width)
}

const num = (s: string | null) => Number((s ?? '').replace(/[^\d.−-]/g, '').replace('−', '-'))

describe('console views', () => {
  it('Globex: one explanation bar per measure, the numbers shown sum to the score, the history chart has every day', async () => {
    const h = await csApi<Health>(base, '/health/accounts/globex', 'rk_demo')
    expect(h.explanation?.measures.length).toBeGreaterThan(0)
    expect(h.history.length).toBeGreaterThan(1)
    for (const width of [1440, 390]) {
      const { page, ms } = await open('/dashboard/accounts/globex', width, '.history-plot canvas')
      console.log(`account view ready in ${ms} ms at ${width} px`)
      await page.waitForSelector('.xbars')
      expect(await page.$$eval('.xbars-row', (rows) => rows.map((r) => r.getAttribute('data-measure')))).toEqual(
        h.explanation!.measures.map((m) => m.key),
      )
      const shown = (await page.$$eval('[data-testid="contribution"]', (els) => els.map((e) => e.textContent))).map(num)
      const total = num(await page.textContent('[data-testid="explanation-score"]'))
      expect(Math.round(shown.reduce((a, b) => a + b, 0) * 10) / 10).toBe(total)
      expect(total).toBe(Math.round(h.score! * 10) / 10)
      expect(num(await page.textContent('[data-testid="header-score"]'))).toBe(total)
      // the sum is written out on the page, not only implied by the bars
      expect(await page.textContent('[data-testid="explanation-sum"]')).toContain(`= ${total.toFixed(1)}`)
      expect(await page.$$('.history-plot canvas')).toHaveLength(1)
      expect(await page.getAttribute('.history-plot', 'data-points')).toBe(String(h.history.length))
      expect(await page.$$('[data-testid="history-row"]')).toHaveLength(h.history.length)
      const canvas = (await (await page.$('.history-plot canvas'))!.boundingBox())!
      expect(canvas.width).toBeGreaterThan(200)
      expect(canvas.x + canvas.width).toBeLessThanOrEqual(width)
      await noOverflow(page, width)
      await screenshot(page, `console-account-${width}`)
      if (width === 1440) {
        // the chart follows its container when the window narrows (uPlot is given the new width)
        await page.setViewportSize({ width: 390, height: 900 })
        await page.waitForFunction(() => document.querySelector('.history-plot canvas')!.getBoundingClientRect().right <= 390)
        await noOverflow(page, 390)
      }
      await page.close()
    }
  }, 150_000)

  it('the note form is offered to admin keys only, reached and sent by keyboard, and the note appears under Notes', async () => {
    const read = await open('/dashboard/accounts/globex', 1440, '#notes-h')
    expect(await read.page.$('#note-body')).toBeNull()
    await read.page.close()
    const { page } = await open('/dashboard/accounts/globex', 1440, '#note-body', 'sk_demo')
    const body = `Called Globex about seat activation ${Date.now()}`
    // keyboard only: Tab until the note field has focus, with a visible focus outline, then type and submit
    let tabs = 0
    while ((await page.evaluate(() => document.activeElement?.id)) !== 'note-body' && tabs++ < 120) await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('note-body')
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none')
    await page.keyboard.type(body)
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Save note')
    await page.keyboard.press('Enter')
    await page.waitForSelector(`[data-testid="note"]:has-text("${body}")`)
    await page.close()
  }, 150_000)

  it('Insights: the forest plot has one row per feature of the retention table, and every indicator rule is listed', async () => {
    const r = await csApi<{ features: { key: string }[] }>(base, '/health/retention', 'rk_demo')
    expect(r.features.length).toBeGreaterThan(0)
    const rules = await csApi<{ rules: { key: string }[] }>(base, '/health/indicators', 'rk_demo')
    for (const width of [1440, 390]) {
      const { page, ms } = await open('/dashboard/insights', width, '.forest svg')
      console.log(`insights view ready in ${ms} ms at ${width} px`)
      const keys = await page.$$eval('[data-testid="forest-row"]', (rows) => rows.map((r) => r.getAttribute('data-feature')))
      expect([...keys].sort()).toEqual(r.features.map((f) => f.key).sort())
      expect(await page.$$('[data-testid="indicator"]')).toHaveLength(rules.rules.length)
      await noOverflow(page, width)
      await screenshot(page, `console-insights-${width}`)
      await page.close()
    }
  }, 150_000)

  it('Nudges: the export tooltip’s funnel shows the API’s counts', async () => {
    const p = await csApi<Performance>(base, '/nudges/export-tip/performance', 'rk_demo')
    for (const width of [1440, 390]) {
      const { page, ms } = await open('/dashboard/nudges', width, '[data-nudge="export-tip"] .funnel')
      console.log(`nudges view ready in ${ms} ms at ${width} px`)
      const steps = await page.$$eval('[data-nudge="export-tip"] [data-testid="funnel-step"]', (els) =>
        els.map((e) => [e.getAttribute('data-step'), Number(e.getAttribute('data-count')), e.textContent]),
      )
      const expected = [
        ['Shown', p.funnel.users_shown],
        ['Clicked', p.funnel.clicked],
        ['Completed', p.funnel.completed],
        ...(p.overall ? [['Converted', p.overall.shown.converted]] : []),
      ]
      expect(steps.map(([s, c]) => [s, c])).toEqual(expected)
      for (const [, count, text] of steps) expect(text).toContain(Number(count).toLocaleString('en-US'))
      await noOverflow(page, width)
      await screenshot(page, `console-nudges-${width}`)
      await page.close()
    }
  }, 150_000)
})
