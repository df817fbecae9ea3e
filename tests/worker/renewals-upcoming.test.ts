import { beforeAll, describe, expect, it } from 'vitest'
import { api, newProject, type TestProject } from './fixtures'
import { seedAccounts, seedOutcome } from './console-seed'

const DAY = 86_400_000
const ahead = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10)

interface Renewals {
  within_days: number
  items: {
    account_id: string
    renewal_date: string
    days_left: number
    arr: number | null
    band: string | null
    owner: string | null
    segment: string | null
    at_risk: boolean
  }[]
  by_segment: { segment: string; accounts: number; arr: number; arr_at_risk: number }[]
  totals: { accounts: number; arr: number; arr_at_risk: number }
  truncated: boolean
}

let p: TestProject
let other: TestProject

beforeAll(async () => {
  p = await newProject('renewals')
  other = await newProject('renewals_other')
  await seedAccounts(p.id, [
    {
      id: 'globex',
      score: 31,
      band: 'red',
      segment: 'low_touch',
      attributes: { renewal_date: ahead(12), arr: 9600, owner: 'dana@ledgerly.test' },
    },
    { id: 'acme', score: 82, band: 'green', segment: 'high_touch', attributes: { renewal_date: ahead(25), arr: 48000 } },
    { id: 'today', score: 50, band: 'yellow', segment: 'high_touch', attributes: { renewal_date: `${ahead(0)}T23:00:00Z`, arr: 60000 } },
    // no score yet: nothing says it is healthy
    { id: 'new', attributes: { renewal_date: ahead(60), arr: 1000 } },
    { id: 'later', score: 90, band: 'green', segment: 'low_touch', attributes: { renewal_date: ahead(150), arr: 7000 } },
    { id: 'past', score: 20, band: 'red', attributes: { renewal_date: ahead(-3), arr: 5000 } },
    { id: 'far', score: 20, band: 'red', attributes: { renewal_date: ahead(200), arr: 5000 } },
    // wrongly typed or impossible dates are no renewal
    { id: 'bad', score: 20, band: 'red', attributes: { renewal_date: 20260601 } },
    { id: 'feb31', score: 20, band: 'red', attributes: { renewal_date: '2026-02-31' } },
    { id: 'gone', score: 5, band: 'red', attributes: { renewal_date: ahead(5), arr: 3000 } },
  ])
  await seedOutcome(p.id, 'gone', 'churned', ahead(-1))
})

const renewals = async (q: string, key = p.readKey) => {
  const res = await api(`/renewals${q}`, key)
  expect(res.status).toBe(200)
  return res.json<Renewals>()
}

describe('GET /api/v1/renewals', () => {
  it('lists renewals in the next 30 days, soonest first, with health, ARR, owner and risk', async () => {
    const r = await renewals('?within_days=30')
    expect(r.within_days).toBe(30)
    expect(r.items.map((i) => [i.account_id, i.days_left, i.at_risk])).toEqual([
      ['today', 0, true],
      ['globex', 12, true],
      ['acme', 25, false],
    ])
    expect(r.items[1]).toMatchObject({ renewal_date: ahead(12), arr: 9600, band: 'red', owner: 'dana@ledgerly.test', segment: 'low_touch' })
    expect(r.items[0].renewal_date).toBe(ahead(0))
    expect(r.totals).toEqual({ accounts: 3, arr: 117600, arr_at_risk: 69600 })
    expect(r.by_segment).toEqual([
      { segment: 'high_touch', accounts: 2, arr: 108000, arr_at_risk: 60000 },
      { segment: 'low_touch', accounts: 1, arr: 9600, arr_at_risk: 9600 },
    ])
    expect(r.truncated).toBe(false)
  })

  it('90 days by default; 180 days reaches further; an unscored account is at risk', async () => {
    const r90 = await renewals('')
    expect(r90.within_days).toBe(90)
    expect(r90.items.map((i) => i.account_id)).toEqual(['today', 'globex', 'acme', 'new'])
    expect(r90.items[3]).toMatchObject({ band: null, at_risk: true, segment: null })
    expect(r90.by_segment.find((s) => s.segment === 'none')).toEqual({ segment: 'none', accounts: 1, arr: 1000, arr_at_risk: 1000 })
    const r180 = await renewals('?within_days=180&limit=2')
    expect(r180.items.map((i) => i.account_id)).toEqual(['today', 'globex'])
    expect(r180.totals).toEqual({ accounts: 5, arr: 125600, arr_at_risk: 70600 })
  })

  it("another project's keys see no renewals", async () => {
    const r = await renewals('?within_days=180', other.readKey)
    expect(r.items).toEqual([])
    expect(r.totals).toEqual({ accounts: 0, arr: 0, arr_at_risk: 0 })
  })

  it('refuses a bad query with a 400', async () => {
    for (const q of ['?within_days=60', '?within_days=', '?limit=0', '?days=30'])
      expect((await api(`/renewals${q}`, p.readKey)).status, q).toBe(400)
  })
})
