import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nudgeDefinitionSchema } from '../../../shared/nudges'
import { decideNudges, type DecisionHistory, type NudgeState } from '../../../worker/src/nudges/decide'
import { toNudge, type Nudge } from '../../../worker/src/nudges/definition'
import { guidesFor } from '../../../worker/src/nudges/guides'
import { inHoldout } from '../../../worker/src/nudges/holdout'

const NOW = Date.parse('2026-06-01T12:00:00Z')
const user = { id: 'u1', traits: {}, firstSeen: NOW - 30 * 86_400_000 }
const metrics = { usedFeatures: new Set<string>(), adoptedFeatures: new Set<string>(), breadth: null }
const text = (t: string) => ({ default: t })
const make = (key: string, extra: Record<string, unknown> = {}): Nudge =>
  toNudge(key, nudgeDefinitionSchema.parse({ title: text(key), body: text('b'), holdout: { share: 0 }, ...extra }))
const tour = (key = 'tour', extra: Record<string, unknown> = {}) =>
  make(key, {
    kind: 'tour',
    targeting: { path: '/start' },
    caps: { max_shows: 1, min_days_between: 7 },
    steps: [
      { path: '/start', title: text('1'), body: text('b') },
      { path: '/other', title: text('2'), body: text('b') },
    ],
    ...extra,
  })
const tip = make('tip', { kind: 'tooltip', anchor: '#x', priority: 900 })
const history = (states: Record<string, Partial<NudgeState>> = {}): DecisionHistory => ({
  states: new Map(
    Object.entries(states).map(([k, s]) => [
      k,
      { shows: 0, lastShownAt: null, dismissedAt: null, snoozedUntil: null, completedAt: null, ...s },
    ]),
  ),
  shownThisSession: 0,
  shownLast7Days: 0,
  inSession: new Set(),
})
const decide = (ns: Nudge[], h: DecisionHistory, path: string, caps = { maxPerSession: 5, maxPerWeek: 10 }) =>
  decideNudges(user, null, metrics, ns, h, NOW, { path, caps, conditionsHold: () => true }).map((d) => `${d.nudge.key}:${d.outcome}`)

describe('decideNudges for tours', () => {
  it('starts a tour only on its start page, and keeps a started one due anywhere past per-nudge and global caps', () => {
    expect(decide([tour()], history(), '/elsewhere')).toEqual([])
    expect(decide([tour()], history(), '/start')).toEqual(['tour:show'])
    fc.assert(
      fc.property(
        fc.constantFrom('/start', '/other', '/elsewhere'),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 1, max: 50 }),
        (path, step, shows) => {
          const started = history({ tour: { tourStep: step, shows, lastShownAt: NOW - 1000 } })
          started.shownThisSession = 9
          started.shownLast7Days = 99
          expect(decide([tour()], started, path, { maxPerSession: 1, maxPerWeek: 1 })).toEqual(['tour:show'])
        },
      ),
    )
  })

  it('never shows a skipped or finished tour again on its own', () => {
    expect(decide([tour()], history({ tour: { tourStep: 1, dismissedAt: NOW - 1 } }), '/other')).toEqual([])
    expect(decide([tour()], history({ tour: { tourStep: 1, completedAt: NOW - 1 } }), '/other')).toEqual([])
  })

  it('holds the overlay slot only on the page of its step, where a started tour goes first', () => {
    const at = (step: number) => history({ tour: { tourStep: step, shows: 1 } })
    expect(decide([tour(), tip], at(0), '/start')).toEqual(['tour:show'])
    expect(decide([tour(), tip], at(1), '/start')).toEqual(['tour:show', 'tip:show'])
    expect(decide([tour(), tip], history(), '/start')).toEqual(['tip:show']) // not started: priority decides
  })

  it('holds out by the same stable hash, and the launcher never lists a tour to a held-out user', () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`)
    for (const id of users) {
      const held = inHoldout(id, 'half', 0.5)
      const n = tour('half', { holdout: { share: 0.5, unit: 'user' } })
      const out = decideNudges({ ...user, id }, null, metrics, [n], history(), NOW, {
        path: '/start',
        caps: { maxPerSession: 5, maxPerWeek: 10 },
        conditionsHold: () => true,
      })
      expect(out.map((d) => d.outcome)).toEqual([held ? 'holdout' : 'show'])
      const guides = guidesFor([n], { ...user, id }, null, metrics, new Map(), NOW, { locale: 'en', conditionsHold: () => true })
      expect(guides.length).toBe(held ? 0 : 1)
    }
  })
})
