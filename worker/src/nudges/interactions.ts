import { NUDGE_EVENTS } from '../../../shared/nudge-events'
import { MAX_TOUR_STEPS } from '../../../shared/nudges'

const ACTIONS = new Map<string, keyof typeof NUDGE_EVENTS>(
  Object.entries(NUDGE_EVENTS).map(([k, v]) => [v, k as keyof typeof NUDGE_EVENTS]),
)

export interface NudgeInteraction {
  action: keyof typeof NUDGE_EVENTS
  nudge: string
  userId: string
  accountId: string | null
  ts: number
  session: string | null
  snoozeDays: number
  score: number | null
  path: string
  selector: string
  /** The tour step (0-based) the interaction happened on; null for other kinds. */
  step: number | null
}

/** What this reads of an ingested event (ingest's `EventRow` has these and more). */
export interface IngestedEvent {
  name: string | null
  userId: string | null
  accountId: string | null
  ts: number
  properties: Record<string, unknown>
  context: Record<string, unknown>
}

/** Nudge interactions among ingested rows (shown, clicked, dismissed…), read from their properties. */
export function nudgeInteractions(rows: IngestedEvent[]): NudgeInteraction[] {
  return rows.flatMap((r) => {
    const action = r.name ? ACTIONS.get(r.name) : undefined
    const nudge = r.properties.nudge
    if (!action || !r.userId || typeof nudge !== 'string' || nudge.length > 64) return []
    const days = Number(r.properties.days)
    const score = Number(r.properties.score)
    const step = r.properties.step
    const page = (r.context as { page?: { path?: unknown } }).page
    return [
      {
        action,
        nudge,
        userId: r.userId,
        accountId: r.accountId,
        ts: r.ts,
        session:
          typeof (r.context as { sessionId?: unknown }).sessionId === 'string' ? (r.context as { sessionId: string }).sessionId : null,
        snoozeDays: Number.isFinite(days) ? Math.min(365, Math.max(1, Math.round(days))) : 1,
        score: Number.isInteger(score) && score >= 0 && score <= 10 ? score : null,
        path: typeof page?.path === 'string' ? page.path.slice(0, 500) : '',
        selector: typeof r.properties.selector === 'string' ? r.properties.selector.slice(0, 500) : '',
        step: typeof step === 'number' && Number.isInteger(step) && step >= 0 && step < MAX_TOUR_STEPS ? step : null,
      },
    ]
  })
}

/** NPS from 0-10 answers: % promoters (9-10) minus % detractors (0-6). */
export function netPromoterScore(scores: number[]): number | null {
  if (!scores.length) return null
  const promoters = scores.filter((s) => s >= 9).length
  const detractors = scores.filter((s) => s <= 6).length
  return Math.round((100 * (promoters - detractors)) / scores.length)
}
