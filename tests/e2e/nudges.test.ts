import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { inHoldout } from '../../worker/src/nudges/holdout'
import { eventCount, eventually, expectCount, screenshot, useBrowser } from './browser'
import { useHostPages } from './host-pages'

const base = inject('baseUrl')
const admin = { authorization: 'Bearer sk_demo', 'content-type': 'application/json' }
const browser = useBrowser()
// the host pages come from the test's own origin, as a customer's app does; uptake.js from the worker's
const hostPages = useHostPages(base)
const defined: string[] = []

async function defineNudge(key: string, body: Record<string, unknown>) {
  const res = await fetch(`${base}/api/v1/nudges/${key}`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ title: { default: key }, body: { default: 'Body' }, holdout: { share: 0 }, ...body }),
  })
  if (!res.ok) throw new Error(`${key}: ${res.status} ${await res.text()}`)
  defined.push(key)
}

/** Nudges here target only the nudge test page, so other e2e files never see them. */
const onTestPage = { path: '/test-pages/nudge-host' }

async function visit(user: string, account: string, watch?: string[]) {
  const context = await browser().newContext()
  const page = await context.newPage()
  if (watch) page.on('request', (r) => watch.push(r.url()))
  await page.goto(`${hostPages()}/test-pages/nudge-host?user=${user}&account=${account}`)
  return { context, page }
}

const nudgeHost = (page: Page, key: string) => page.locator(`[data-uptake-host="${key}"]`)

beforeAll(async () => {
  await fetch(`${base}/api/v1/settings`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ nudges: { max_per_session: 5, max_per_week: 50 } }),
  })
})
afterAll(async () => {
  for (const key of defined) await fetch(`${base}/api/v1/nudges/${key}`, { method: 'DELETE', headers: admin })
})

describe('nudges in a real browser', () => {
  it('shows a tooltip next to its anchor after a route change in the demo app', async () => {
    await defineNudge('demo-export-tip', {
      kind: 'tooltip',
      anchor: '#export-csv',
      target_feature: 'report.export',
      targeting: { path: '/demo/reports', user_attributes: [{ attribute: 'email', op: '==', value: 'bob@acme.test' }] },
      body: { default: 'Export your **revenue** report as CSV' },
    })
    const page = await browser().newPage()
    await page.goto(`${base}/demo`)
    await page.selectOption('#login-user', 'u_bob')
    await page.click('#login-submit')
    await page.click('a[href="/demo/reports"]')
    const tip = nudgeHost(page, 'demo-export-tip').locator('[role="dialog"]')
    await tip.waitFor({ timeout: 10_000 })
    await page.waitForTimeout(300)
    const [a, t] = [await page.locator('#export-csv').boundingBox(), await tip.boundingBox()]
    expect(t!.y).toBeGreaterThan(a!.y + a!.height - 1) // below the anchor
    expect(t!.y - (a!.y + a!.height)).toBeLessThan(40)
    expect(Math.abs(t!.x - a!.x)).toBeLessThan(40)
    await screenshot(page, 'nudge-tooltip-demo')
    await page.close()
    await expectCount(() => eventCount(base, 'acme', '$nudge_shown'), 1)
  })

  it('can be dismissed with the keyboard alone, and stays dismissed', async () => {
    await defineNudge('kb-modal', {
      kind: 'modal',
      targeting: { ...onTestPage, user_attributes: [{ attribute: 'name', op: '==', value: 'kb-user' }] },
      buttons: [{ label: { default: 'Later' }, action: { type: 'snooze', days: 3 } }],
    })
    const { context, page } = await visit('kb-user', 'kb-co')
    const dialog = nudgeHost(page, 'kb-modal').locator('[role="dialog"]')
    await dialog.waitFor()
    expect(await dialog.getAttribute('aria-modal')).toBe('true')
    await screenshot(page, 'nudge-modal')
    // focus starts inside the dialog and Tab stays there
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-uptake-host'))).toBe('kb-modal')
    await page.keyboard.press('Escape')
    await nudgeHost(page, 'kb-modal').waitFor({ state: 'detached' })
    await expectCount(() => eventCount(base, 'kb-co', '$nudge_dismissed'), 1)
    await page.reload()
    await page.waitForTimeout(2000)
    expect(await nudgeHost(page, 'kb-modal').count()).toBe(0)
    await context.close()
  })

  it('ticks a checklist step when the feature is used', async () => {
    await defineNudge('ck', {
      kind: 'checklist',
      targeting: { ...onTestPage, user_attributes: [{ attribute: 'name', op: '==', value: 'ck-user' }] },
      steps: [
        { feature: 'report.export', label: { default: 'Export a report' } },
        { feature: 'invoice.send', label: { default: 'Send an invoice' } },
      ],
    })
    const { context, page } = await visit('ck-user', 'ck-co')
    const step = nudgeHost(page, 'ck').locator('[data-step="report.export"]')
    await step.waitFor()
    expect(await step.getAttribute('aria-checked')).toBe('false')
    await page.click('#export-csv')
    await eventually(
      async () =>
        (await nudgeHost(page, 'ck').locator('[data-step="report.export"]').getAttribute('aria-checked')) === 'true' ? true : undefined,
      20_000,
    )
    await screenshot(page, 'nudge-checklist-ticked')
    await context.close()
  })

  it('delivers an NPS answer to the CS API, where the server aggregates it into the account survey NPS', async () => {
    await defineNudge('nps', {
      kind: 'nps',
      title: { default: 'How likely are you to recommend us?' },
      targeting: { ...onTestPage, user_attributes: [{ attribute: 'name', op: '==', value: 'nps-user' }] },
    })
    const { context, page } = await visit('nps-user', 'nps-co')
    const card = nudgeHost(page, 'nps')
    await card.locator('button', { hasText: /^9$/ }).click()
    await card.locator('textarea').fill('Great exports')
    await screenshot(page, 'nudge-nps')
    await card.locator('button', { hasText: 'Send' }).click()
    await expectCount(() => eventCount(base, 'nps-co', '$nudge_answered'), 1)
    const account = await eventually(async () => {
      const a = (await (await fetch(`${base}/api/v1/accounts/nps-co`, { headers: admin })).json()) as {
        account: { attributes: { nps_survey?: number } }
      }
      return a.account.attributes.nps_survey === undefined ? undefined : a
    })
    expect(account.account.attributes.nps_survey).toBe(100)
    await context.close()
  })

  it('never shows a nudge to a held-out user', async () => {
    const users = Array.from({ length: 50 }, (_, i) => `held-${i}`)
    const held = users.find((u) => inHoldout(u, 'held-banner', 0.5))!
    await defineNudge('held-banner', {
      kind: 'banner',
      holdout: { share: 0.5, unit: 'user' },
      targeting: { ...onTestPage, user_attributes: [{ attribute: 'name', op: '==', value: held }] },
    })
    const requests: string[] = []
    const { context, page } = await visit(held, 'held-co', requests)
    await page.waitForTimeout(3000)
    expect(await nudgeHost(page, 'held-banner').count()).toBe(0)
    expect(requests.some((u) => u.includes('/v1/nudges'))).toBe(true)
    await context.close()
  })

  it('renders a nudge body with <script> and onerror= as text, never executing it', async () => {
    const evil = 'Hi <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> **bold**'
    await defineNudge('xss', {
      kind: 'banner',
      body: { default: evil },
      targeting: { ...onTestPage, user_attributes: [{ attribute: 'name', op: '==', value: 'xss-user' }] },
    })
    const { context, page } = await visit('xss-user', 'xss-co')
    const banner = nudgeHost(page, 'xss').locator('.banner')
    await banner.waitFor()
    expect(await banner.textContent()).toContain('<script>window.__pwned = 1</script>')
    expect(await banner.locator('img, script').count()).toBe(0)
    expect(await banner.locator('strong').textContent()).toBe('bold')
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    await screenshot(page, 'nudge-xss-as-text')
    await context.close()
  })

  it('anchors in a scroll container, an open shadow root, a modal dialog and a late render, and reports a missing one', async () => {
    const targeting = { path: '/test-pages/anchors', user_attributes: [{ attribute: 'name', op: '==', value: 'anchor-user' }] }
    for (const [key, anchor] of [
      ['hs-scroll', '#in-scroll'],
      ['hs-shadow', '#in-shadow'],
      ['hs-late', '#late'],
      ['hs-never', '#never'],
    ]) {
      await defineNudge(key, { kind: 'hotspot', anchor, targeting })
    }
    await defineNudge('tt-dialog', { kind: 'tooltip', anchor: '#in-dialog', targeting })
    const context = await browser().newContext()
    const page = await context.newPage()
    await page.goto(`${hostPages()}/test-pages/anchors?user=anchor-user&account=anchor-co`)
    for (const key of ['hs-scroll', 'hs-shadow', 'hs-late', 'tt-dialog'])
      await nudgeHost(page, key).waitFor({ state: 'attached', timeout: 10_000 })
    // the tooltip shares the dialog's top layer
    expect(await page.evaluate(() => document.querySelector('[data-uptake-host="tt-dialog"]')?.parentElement?.id)).toBe('dlg')
    await page.evaluate(() => (document.getElementById('dlg') as HTMLDialogElement).close())
    const beaconNear = async (key: string, anchor: () => Promise<{ x: number; y: number; width: number } | null>) => {
      const b = await nudgeHost(page, key).locator('.beacon').boundingBox()
      const a = await anchor()
      return Math.abs(b!.x - (a!.x + a!.width - 6)) < 12 && Math.abs(b!.y - (a!.y - 6)) < 12
    }
    const scrollAnchor = () => page.locator('#in-scroll').boundingBox()
    await page.evaluate(() => document.getElementById('scroller')!.scrollTo(0, 250))
    await page.waitForTimeout(300)
    expect(await beaconNear('hs-scroll', scrollAnchor)).toBe(true)
    expect(await beaconNear('hs-shadow', () => page.locator('shadow-widget').locator('#in-shadow').boundingBox())).toBe(true)
    await screenshot(page, 'nudge-anchors')
    const missing = await eventually(async () => {
      const body = (await (await fetch(`${base}/api/v1/nudges/anchors`, { headers: admin })).json()) as {
        missing_anchors: { nudge_key: string; selector: string; path: string }[]
      }
      return body.missing_anchors.find((m) => m.nudge_key === 'hs-never')
    })
    expect(missing).toMatchObject({ selector: '#never', path: '/test-pages/anchors' })
    await context.close()
  })

  it('does not download the nudge UI on a page with no nudge due', async () => {
    const requests: string[] = []
    const { context, page } = await visit('nobody-special', 'quiet-co', requests)
    await page.click('#do-thing')
    // the widget asks 1.5 s after its own events are answered (README: Ingest queue), then would load the chunk at once
    await expect.poll(() => requests.some((u) => u.includes('/v1/nudges')), { timeout: 10_000 }).toBe(true)
    await page.waitForTimeout(1000)
    expect(requests.some((u) => u.includes('/uptake-nudges.'))).toBe(false) // the chunk, whatever its content hash
    await context.close()
  })
})
