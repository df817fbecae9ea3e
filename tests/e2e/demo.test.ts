import { describe, expect, inject, it } from 'vitest'
import { csApi, eventually, screenshot, useBrowser } from './browser'

const base = inject('baseUrl')
const browser = useBrowser()

interface AccountDetail {
  users: { id: string }[]
  events: { name: string; events_30d: number }[]
}

describe('the demo app, end to end', () => {
  it('counts a login and two features clicked in the browser through the CS API', async () => {
    const page = await browser().newPage()
    await page.goto(`${base}/demo`)
    await page.selectOption('#login-user', 'u_gina')
    await page.click('#login-submit')
    await page.click('a[href="/demo/invoices"]')
    await page.click('#create-invoice')
    await page.click('a[href="/demo/customers"]')
    await page.click('#add-customer-submit')
    await screenshot(page, 'demo-customers')
    // page hide hands the outbox to sendBeacon
    await page.close({ runBeforeUnload: true })

    const detail = await eventually(async () => {
      const d = await csApi<AccountDetail>(base, '/accounts/globex')
      const count = (name: string) => d.events.find((e) => e.name === name)?.events_30d ?? 0
      return count('Invoice Created') >= 1 && count('Customer Added') >= 1 && count('Signed In') >= 1 ? d : undefined
    })
    const count = (name: string) => detail.events.find((e) => e.name === name)?.events_30d
    expect(count('Invoice Created')).toBe(1)
    expect(count('Customer Added')).toBe(1)
    expect(detail.users.map((u) => u.id)).toContain('u_gina')
    const list = await csApi<{ accounts: { id: string; active_users: number }[] }>(base, '/accounts')
    expect(list.accounts.find((a) => a.id === 'globex')?.active_users).toBeGreaterThanOrEqual(1)
  })
})
