import { describe, expect, it } from 'vitest'
import { eventSchema } from '../../../shared/events'
import {
  accountDays,
  featureDefinitions,
  firstDaysUse,
  LIFE_DAYS,
  measureInputs,
  recordedOutcomes,
  segmentEvents,
  simulate,
} from '../../fixtures/simulator'

describe('simulated customer base (test fixture)', () => {
  const sim = simulate({ seed: 11, historic: 30, current: 10 })

  it('is deterministic by seed', () => {
    expect(simulate({ seed: 11, historic: 30, current: 10 })).toEqual(sim)
    expect(accountDays(sim, sim.accounts[3])).toEqual(accountDays(sim, sim.accounts[3]))
    expect(simulate({ seed: 12, historic: 30, current: 10 }).accounts.map((a) => a.churned)).not.toEqual(sim.accounts.map((a) => a.churned))
  })

  it('plants 3 churn-driving features among 20, two of them among the 6 the vendor marked core', () => {
    expect(sim.features).toHaveLength(20)
    expect(sim.features.filter((f) => f.planted).map((f) => f.key)).toEqual(['feature_01', 'feature_02', 'feature_03'])
    expect(sim.features.filter((f) => f.core)).toHaveLength(6)
    expect(sim.features.filter((f) => f.core && f.planted)).toHaveLength(2)
  })

  it('records outcomes only for the historic cohort, none after today, and knows the current cohort’s future', () => {
    const outcomes = recordedOutcomes(sim)
    expect(outcomes).toHaveLength(30)
    expect(outcomes.every((o) => o.date <= sim.today)).toBe(true)
    expect(sim.accounts.filter((a) => a.cohort === 'current').every((a) => a.scoreDay === sim.today && a.outcomeDay > sim.today)).toBe(true)
  })

  it('emits valid Segment events that carry exactly the simulated activity', () => {
    const a = sim.accounts[0]
    const days = accountDays(sim, a)
    const events = segmentEvents(sim, a, days)
    expect(events.every((e) => eventSchema.safeParse(e).success)).toBe(true)
    expect(new Set(events.map((e) => e.messageId)).size).toBe(events.length)
    const tracks = events.filter((e) => e.type === 'track')
    expect(tracks.length).toBe(days.reduce((n, d) => n + d.logins + d.features.reduce((x, [, c]) => x + c, 0) + d.valueEvents, 0))
    expect(events.filter((e) => e.type === 'group')).toHaveLength(a.users.length)
    const last = tracks
      .map((e) => String(e.timestamp))
      .sort()
      .at(-1)!
    expect(last.slice(0, 10) <= a.scoreDay).toBe(true)
    expect(featureDefinitions(sim).filter((f) => f.kind === 'feature')).toHaveLength(20)
  })

  it('fits a 60-day life and a 30-day lead into the 90-day import window, every outcome by today', () => {
    const w = simulate({ seed: 5, historic: 20, current: 5, lifeDays: 60, daysBefore: 30, historicSpreadDays: 0, today: '2026-06-01' })
    const starts = w.accounts.map((a) => a.startDay).sort()
    expect(starts[0]).toBe('2026-03-04') // 89 days before today
    expect(recordedOutcomes(w).every((o) => o.date === '2026-06-01')).toBe(true)
    expect(w.accounts.every((a) => accountDays(w, a).every((d) => d.day < 60))).toBe(true)
  })

  it('compact events carry the same active days, value events and features per 30-day block as the full stream', () => {
    const w = simulate({ seed: 5, historic: 6, current: 2, lifeDays: 60, daysBefore: 30, historicSpreadDays: 0, today: '2026-06-01' })
    const digest = (events: Record<string, unknown>[]) => {
      const tracks = events.filter((e) => e.type === 'track' && e.event !== 'Signed In')
      const day = (e: Record<string, unknown>) => String(e.timestamp).slice(0, 10)
      const block = (e: Record<string, unknown>, start: string) => Math.floor((Date.parse(day(e)) - Date.parse(start)) / 86_400_000 / 30)
      return w.accounts.map((a) => {
        const own = tracks.filter((e) => (e.context as { groupId: string }).groupId === a.id)
        return {
          activeDays: new Set(own.map((e) => `${e.userId}:${day(e)}`)).size,
          value: own.filter((e) => e.event === 'Invoice Paid').length,
          blocks: [...new Set(own.map((e) => `${e.userId}:${e.event}:${block(e, a.startDay)}`))].sort(),
        }
      })
    }
    const full = w.accounts.flatMap((a) => segmentEvents(w, a))
    const compact = w.accounts.flatMap((a) => segmentEvents(w, a, undefined, { compact: true }))
    expect(digest(compact)).toEqual(digest(full))
    expect(compact.length).toBeLessThan(full.length / 2)
  })

  it('gives the measure inputs scoring would read as of the score day', () => {
    const a = sim.accounts[1]
    const days = accountDays(sim, a)
    const u = measureInputs(sim, a, days)
    const meaningful = (d: (typeof days)[number]) => d.features.length > 0 || d.valueEvents > 0
    expect(u.activeUserDays30).toBe(days.filter((d) => meaningful(d) && d.day >= LIFE_DAYS - 30).length)
    expect(u.activeUserDaysPrev30).toBe(days.filter((d) => meaningful(d) && d.day >= LIFE_DAYS - 60 && d.day < LIFE_DAYS - 30).length)
    expect(u.knownUsers).toBe(a.users.length)
    expect(u.coreFeatures).toBe(6)
    const first = firstDaysUse(sim, a, days)
    expect(first.uses.every((x) => x.users <= a.users.length && x.n >= x.users)).toBe(true)
  })
})
