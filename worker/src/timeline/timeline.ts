/** An account's timeline: alerts, nudges shown and answered, outcomes and notes, merged newest first. Pure. */

export type TimelineKind = 'alert' | 'nudge_shown' | 'nudge_answered' | 'outcome' | 'note'

export interface TimelineItem {
  at: number
  kind: TimelineKind
  title: string
  detail: string | null
  ref: string | null
}

/** What the timeline reads of each source (structural: the slices' own types fit). */
export interface TimelineSources {
  alerts: { id: number; kind: string; reason: string; createdAt: number; status: string }[]
  nudges: {
    userId: string
    nudgeKey: string
    kind: string | null
    shownAt: number
    clickedAt: number | null
    dismissedAt: number | null
    completedAt: number | null
    score: number | null
  }[]
  outcomes: { id: number; kind: string; date: string; amount: number | null }[]
  notes: { id: number; authorName: string; body: string; createdAt: number }[]
}

/** Longest note text on the timeline; the note itself is on GET …/notes. */
const NOTE_PREVIEW = 280

const words = (key: string) => key.replace(/_/g, ' ')
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

export function buildTimeline(s: TimelineSources, limit: number): TimelineItem[] {
  const items: TimelineItem[] = []
  for (const a of s.alerts)
    items.push({
      at: a.createdAt,
      kind: 'alert',
      title: `${capital(words(a.kind))}${a.status === 'open' ? '' : ` (${a.status})`}`,
      detail: a.reason,
      ref: `alert:${a.id}`,
    })
  for (const n of s.nudges) {
    const name = `${n.kind === 'nps' ? 'NPS survey' : capital(n.kind ?? 'nudge')} ${n.nudgeKey}`
    const ref = `nudge:${n.nudgeKey}`
    items.push({ at: n.shownAt, kind: 'nudge_shown', title: `${name} shown`, detail: n.userId, ref })
    if (n.clickedAt !== null) items.push({ at: n.clickedAt, kind: 'nudge_answered', title: `${name} clicked`, detail: n.userId, ref })
    if (n.dismissedAt !== null) items.push({ at: n.dismissedAt, kind: 'nudge_answered', title: `${name} dismissed`, detail: n.userId, ref })
    if (n.completedAt !== null)
      items.push({
        at: n.completedAt,
        kind: 'nudge_answered',
        title: `${name} ${n.kind === 'nps' ? 'answered' : 'completed'}`,
        detail: n.score === null ? n.userId : `${n.userId} · score ${n.score}`,
        ref,
      })
  }
  for (const o of s.outcomes)
    items.push({
      at: Date.parse(`${o.date}T00:00:00Z`),
      kind: 'outcome',
      title: capital(o.kind),
      detail: o.amount === null ? null : `amount ${o.amount}`,
      ref: `outcome:${o.id}`,
    })
  for (const n of s.notes)
    items.push({
      at: n.createdAt,
      kind: 'note',
      title: `Note by ${n.authorName}`,
      detail: n.body.length > NOTE_PREVIEW ? `${n.body.slice(0, NOTE_PREVIEW - 1)}…` : n.body,
      ref: `note:${n.id}`,
    })
  // newest first; ties keep a stable order by kind and ref so a reload shows the same list
  return items
    .filter((i) => Number.isFinite(i.at))
    .sort((a, b) => b.at - a.at || a.kind.localeCompare(b.kind) || (a.ref ?? '').localeCompare(b.ref ?? ''))
    .slice(0, limit)
}
