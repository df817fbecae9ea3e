import { isTourSteps } from '../../../shared/nudges'
import { pathMatches } from '../../../shared/path-pattern'
import { clampStep } from '../../../shared/tours'
import type { Segment } from '../../../shared/scoring'
import { DAY_MS } from '../lib/days'
import type { Nudge } from './definition'
import { inHoldout } from './holdout'

export interface NudgeState {
  shows: number
  lastShownAt: number | null
  dismissedAt: number | null
  snoozedUntil: number | null
  completedAt: number | null
  /** A tour's kept step: set once a step was shown (absent for other kinds and in older callers). */
  tourStep?: number | null
}

export interface DecisionUser {
  id: string
  traits: Record<string, unknown>
  firstSeen: number
}

export interface DecisionAccount {
  id: string
  traits: Record<string, unknown>
  segment: string | null
  band: string | null
  healthScore: number | null
  /** Core feature breadth of the account (0-1) and the segment-relative cutoff it is compared with. */
  breadth?: number | null
  breadthCutoff?: number | null
}

export interface DecisionMetrics {
  /** Features this user ever used, and those adopted (used on ≥ 3 days in 30). */
  usedFeatures: Set<string>
  adoptedFeatures: Set<string>
  /** Core features used in 30 days / core features, for the user. */
  breadth: number | null
}

export interface FrequencyCaps {
  maxPerSession: number
  maxPerWeek: number
}

export interface DecisionHistory {
  states: Map<string, NudgeState>
  /** New nudges shown to this user in this session and in the last 7 days, across all nudges. */
  shownThisSession: number
  shownLast7Days: number
  /** Nudges already on screen this session: they may stay without counting again. */
  inSession: Set<string>
}

export type Decision = { nudge: Nudge; outcome: 'show' } | { nudge: Nudge; outcome: 'holdout' }

/** Whether every attribute condition holds for these attributes: scoring's condition rules, passed in by the caller. */
export type ConditionsHold = (attrs: Record<string, unknown>, conditions: Segment['all']) => boolean

const OVERLAYS = new Set(['modal', 'tooltip', 'nps', 'tour'])

/** A tour the user started and neither skipped nor finished: it continues on any page, whatever the caps. */
export const tourInProgress = (n: Nudge, s: NudgeState | undefined): boolean =>
  n.kind === 'tour' && s?.tourStep != null && !s.dismissedAt && !s.completedAt

/** Whether the nudge targets this user at all, before any state or cap (pure targeting). */
export function targets(
  n: Nudge,
  user: DecisionUser,
  account: DecisionAccount | null,
  m: DecisionMetrics,
  path: string,
  now: number,
  hold: ConditionsHold,
): boolean {
  const t = n.targeting
  const attrsMatch = (attrs: Record<string, unknown>, conditions: Segment['all'] | undefined) =>
    !conditions?.length || hold(attrs, conditions)
  if (!n.active || (n.startAt && Date.parse(n.startAt) > now) || (n.endAt && Date.parse(n.endAt) <= now)) return false
  if (t.path && !pathMatches(t.path, path)) return false
  if (t.segments?.length && !t.segments.includes(account?.segment ?? '')) return false
  if (t.bands?.length && !t.bands.includes((account?.band ?? 'insufficient_data') as never)) return false
  if (!attrsMatch(user.traits, t.userAttributes) || !attrsMatch(account?.traits ?? {}, t.accountAttributes)) return false
  if (t.featureNotUsed && m.usedFeatures.has(t.featureNotUsed)) return false
  if (t.minDaysSinceSignup !== undefined && (now - user.firstSeen) / DAY_MS < t.minDaysSinceSignup) return false
  if (t.maxBreadth !== undefined && (m.breadth === null || m.breadth > t.maxBreadth)) return false
  if (t.maxHealthScore !== undefined && (account?.healthScore == null || account.healthScore > t.maxHealthScore)) return false
  if (
    t.breadthBelowSegmentPercentile !== undefined &&
    !(account?.breadth != null && account.breadthCutoff != null && account.breadth < account.breadthCutoff)
  )
    return false
  // never promote what the user already adopted
  return !(n.targetFeature && m.adoptedFeatures.has(n.targetFeature))
}

/** Whether the step a tour is at (its first, when not started) shows on this page: it has no page, or this one. */
export function tourStepHere(n: Nudge, s: NudgeState | undefined, path: string): boolean {
  const steps = n.kind === 'tour' && n.steps && isTourSteps(n.steps) ? n.steps : null
  const page = steps?.[clampStep(s?.tourStep ?? 0, steps.length)]?.path
  return !page || pathMatches(page, path)
}

/** The nudge with its page targeting lifted. */
export const anyPage = (n: Nudge): Nudge => ({ ...n, targeting: { ...n.targeting, path: undefined } })

/** Whether the user's own history with this nudge allows showing it now. */
export function stateAllows(n: Nudge, s: NudgeState | undefined, now: number, inSession: boolean): boolean {
  if (!s) return true
  if (s.completedAt || s.dismissedAt || (s.snoozedUntil && s.snoozedUntil > now)) return false
  if (inSession || tourInProgress(n, s)) return true
  if (s.shows >= n.caps.maxShows) return false
  return !(s.lastShownAt && now - s.lastShownAt < n.caps.minDaysBetween * DAY_MS)
}

/**
 * The nudges this user should see now, in priority order, and those held out: eligibility, holdout by a
 * stable hash of the unit, per-nudge caps, server-kept dismiss/snooze/complete, the global frequency cap,
 * and at most one overlay (modal, tooltip, NPS) on screen.
 */
export function decideNudges(
  user: DecisionUser,
  account: DecisionAccount | null,
  metrics: DecisionMetrics,
  nudges: Nudge[],
  history: DecisionHistory,
  now: number,
  opts: { path: string; caps: FrequencyCaps; conditionsHold: ConditionsHold },
): Decision[] {
  const going = (n: Nudge) => tourInProgress(n, history.states.get(n.key))
  const eligible = nudges
    .filter(
      (n) =>
        // a started tour's page targeting was met when it began: its steps name their own pages
        targets(going(n) ? anyPage(n) : n, user, account, metrics, opts.path, now, opts.conditionsHold) &&
        stateAllows(n, history.states.get(n.key), now, history.inSession.has(n.key)),
    )
    // a tour the user is in the middle of goes on before anything new interrupts it
    .sort((a, b) => Number(going(b)) - Number(going(a)) || b.priority - a.priority || a.key.localeCompare(b.key))
  const out: Decision[] = []
  let fresh = 0
  let overlay = false
  for (const n of eligible) {
    const unit = n.holdout.unit === 'user' || !account ? user.id : account.id
    if (inHoldout(unit, n.key, n.holdout.share)) {
      out.push({ nudge: n, outcome: 'holdout' })
      continue
    }
    const continuing = history.inSession.has(n.key) || going(n)
    const capped = history.shownThisSession + fresh >= opts.caps.maxPerSession || history.shownLast7Days + fresh >= opts.caps.maxPerWeek
    if (!continuing && capped) continue
    // a tour waiting for another page (its step's path) keeps its place without covering this page's overlay
    if (OVERLAYS.has(n.kind) && tourStepHere(n, history.states.get(n.key), opts.path)) {
      if (overlay) continue
      overlay = true
    }
    if (!continuing) fresh++
    out.push({ nudge: n, outcome: 'show' })
  }
  return out
}
