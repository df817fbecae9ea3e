import { describe, expect, it } from 'vitest'
import { buildTimeline, type TimelineSources } from '../../../worker/src/timeline/timeline'

const T = Date.parse('2026-06-01T12:00:00Z')
const H = 3_600_000

const sources: TimelineSources = {
  alerts: [{ id: 41, kind: 'score_drop', reason: 'score down 12 points in 7 days', createdAt: T - 5 * H, status: 'done' }],
  nudges: [
    {
      userId: 'u1',
      nudgeKey: 'nps-q2',
      kind: 'nps',
      shownAt: T - 4 * H,
      clickedAt: null,
      dismissedAt: null,
      completedAt: T - 3 * H,
      score: 6,
    },
    {
      userId: 'u2',
      nudgeKey: 'export-tip',
      kind: 'tooltip',
      shownAt: T - 2 * H,
      clickedAt: T - 1 * H,
      dismissedAt: null,
      completedAt: null,
      score: null,
    },
  ],
  outcomes: [{ id: 3, kind: 'renewed', date: '2026-05-01', amount: 24000 }],
  notes: [{ id: 7, authorName: 'Dana', body: 'x'.repeat(500), createdAt: T }],
}

describe('buildTimeline', () => {
  it('merges every source newest first, with titles, details and refs', () => {
    const items = buildTimeline(sources, 50)
    expect(items.map((i) => [i.kind, i.title, i.ref])).toEqual([
      ['note', 'Note by Dana', 'note:7'],
      ['nudge_answered', 'Tooltip export-tip clicked', 'nudge:export-tip'],
      ['nudge_shown', 'Tooltip export-tip shown', 'nudge:export-tip'],
      ['nudge_answered', 'NPS survey nps-q2 answered', 'nudge:nps-q2'],
      ['nudge_shown', 'NPS survey nps-q2 shown', 'nudge:nps-q2'],
      ['alert', 'Score drop (done)', 'alert:41'],
      ['outcome', 'Renewed', 'outcome:3'],
    ])
    expect(items[3].detail).toBe('u1 · score 6')
    expect(items[0].detail).toHaveLength(280)
    expect(items.at(-1)).toMatchObject({ at: Date.parse('2026-05-01T00:00:00Z'), detail: 'amount 24000' })
  })

  it('keeps the newest `limit` items', () => {
    expect(buildTimeline(sources, 2).map((i) => i.ref)).toEqual(['note:7', 'nudge:export-tip'])
    expect(buildTimeline({ alerts: [], nudges: [], outcomes: [], notes: [] }, 10)).toEqual([])
  })
})
