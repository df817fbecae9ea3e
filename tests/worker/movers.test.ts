import { beforeAll, describe, expect, it } from 'vitest'
import type { ScoreMover } from '../../shared/api/scoring'
import { api, newProject, type TestProject } from './fixtures'
import { dayAgo, explanation, seedAccounts, seedOutcome } from './console-seed'

let p: TestProject
let other: TestProject

beforeAll(async () => {
  p = await newProject('movers')
  other = await newProject('movers_other')
  const then: [string, number, number][] = [
    ['momentum', 80, 50],
    ['seat_activation', 60, 50],
  ]
  await seedAccounts(p.id, [
    {
      // fell 20 in 7 days, mostly momentum
      id: 'globex',
      score: 50,
      band: 'yellow',
      explanation: explanation([
        ['momentum', 45, 50],
        ['seat_activation', 55, 50],
      ]),
      history: [
        [dayAgo(7), 70, 'green', then],
        [dayAgo(30), 72, 'green', then],
      ],
    },
    // rose 5 in 7 days; 30 days ago no snapshot on the day, one 2 days earlier (within the slack)
    { id: 'acme', score: 85, band: 'green', history: [[dayAgo(7), 80, 'green']] },
    { id: 'initech', score: 40, band: 'red', history: [[dayAgo(32), 90, 'green']] },
    // unchanged: not a mover
    { id: 'steady', score: 60, band: 'yellow', history: [[dayAgo(7), 60, 'yellow']] },
    // no snapshot near 7 days ago (10 days is beyond the slack)
    { id: 'gap', score: 10, band: 'red', history: [[dayAgo(11), 90, 'green']] },
    // churned: left out
    { id: 'gone', score: 5, band: 'red', history: [[dayAgo(7), 95, 'green']] },
  ])
  await seedOutcome(p.id, 'gone', 'churned', dayAgo(2))
})

const movers = async (q: string, key = p.readKey) => {
  const res = await api(`/health/movers?${q}`, key)
  expect(res.status).toBe(200)
  return res.json<{ days: number; items: ScoreMover[] }>()
}

describe('GET /api/v1/health/movers', () => {
  it('lists the largest absolute moves in 7 days with previous score, band and the reason', async () => {
    const { days, items } = await movers('days=7')
    expect(days).toBe(7)
    expect(items.map((m) => [m.account_id, m.delta])).toEqual([
      ['globex', -20],
      ['acme', 5],
    ])
    expect(items[0]).toMatchObject({
      score: 50,
      previous_score: 70,
      previous_day: dayAgo(7),
      band: 'yellow',
      previous_band: 'green',
      reason: 'Down 20 points in 7 days: Usage momentum -17.5, Seat activation -2.5',
    })
    expect(items[1].reason).toBe('Up 5 points in 7 days')
  })

  it('30 days compares with the snapshot up to 3 days earlier when that day has none; limit bounds the list', async () => {
    const { items } = await movers('days=30')
    expect(items.map((m) => [m.account_id, m.previous_day, m.delta])).toEqual([
      ['initech', dayAgo(32), -50],
      ['globex', dayAgo(30), -22],
    ])
    expect((await movers('days=30&limit=1')).items.map((m) => m.account_id)).toEqual(['initech'])
  })

  it("another project's keys see no movers", async () => {
    expect((await movers('days=7', other.readKey)).items).toEqual([])
    expect((await movers('days=30', other.adminKey)).items).toEqual([])
  })

  it('refuses a bad query with a 400', async () => {
    for (const q of ['days=14', 'days=', 'limit=101', 'limit=0', 'day=7'])
      expect((await api(`/health/movers?${q}`, p.readKey)).status, q).toBe(400)
  })
})
