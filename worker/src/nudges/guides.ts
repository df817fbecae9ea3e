import type { Guide } from '../../../shared/nudge-events'
import { isTourSteps } from '../../../shared/nudges'
import { clampStep } from '../../../shared/tours'
import {
  anyPage,
  targets,
  type ConditionsHold,
  type DecisionAccount,
  type DecisionMetrics,
  type DecisionUser,
  type NudgeState,
} from './decide'
import type { Nudge } from './definition'
import { inHoldout } from './holdout'
import { checklistItems, localized, presentTour } from './present'

/**
 * The guides the launcher lists for this user: every tour and checklist that targets them on any page (caps and
 * their own dismissals aside, so they can come back to one), never one they are held out of, with their progress.
 */
export function guidesFor(
  nudges: Nudge[],
  user: DecisionUser,
  account: DecisionAccount | null,
  metrics: DecisionMetrics,
  states: Map<string, NudgeState>,
  now: number,
  opts: { locale: string; conditionsHold: ConditionsHold },
): Guide[] {
  return nudges
    .filter(
      (n) =>
        (n.kind === 'tour' || n.kind === 'checklist') &&
        targets(anyPage(n), user, account, metrics, '/', now, opts.conditionsHold) &&
        !inHoldout(n.holdout.unit === 'user' || !account ? user.id : account.id, n.key, n.holdout.share),
    )
    .sort((a, b) => b.priority - a.priority || a.key.localeCompare(b.key))
    .map((n) => guide(n, states.get(n.key), now, opts.locale, metrics.usedFeatures))
}

function guide(n: Nudge, s: NudgeState | undefined, now: number, locale: string, used: Set<string>): Guide {
  const stopped = !!s && (!!s.dismissedAt || (s.snoozedUntil ?? 0) > now)
  const base = { key: n.key, title: localized(n.title, locale) }
  if (n.kind === 'tour') {
    const total = n.steps && isTourSteps(n.steps) ? n.steps.length : 0
    const step = s?.tourStep ?? null
    const status = s?.completedAt ? 'completed' : stopped ? 'dismissed' : step !== null ? 'active' : 'new'
    return {
      ...base,
      kind: 'tour',
      status,
      done: status === 'completed' ? total : step === null ? 0 : clampStep(step, total),
      total,
      tour: presentTour(n, locale, step),
    }
  }
  const items = (checklistItems(n, locale, used) ?? []).map((i) => ({ label: i.label, done: i.done }))
  const done = items.filter((i) => i.done).length
  const status = s?.completedAt || (items.length && done === items.length) ? 'completed' : stopped ? 'dismissed' : s ? 'active' : 'new'
  return { ...base, kind: 'checklist', status, done, total: items.length, items }
}
