import type { DueNudge, DueTour } from '../../../shared/nudge-events'
import { isTourSteps } from '../../../shared/nudges'
import { clampStep } from '../../../shared/tours'
import type { Nudge } from './definition'

/** Text in the user's locale: exact (`pt-BR`), then language (`pt`), then the default. */
export function localized(text: Record<string, string>, locale: string): string {
  return text[locale] ?? text[locale.split('-')[0]] ?? text.default
}

const buttons = (list: Nudge['buttons'], locale: string) => list.map((b) => ({ label: localized(b.label, locale), action: b.action }))

/** A checklist's items in the user's locale, each ticked by feature use (none for other kinds). */
export function checklistItems(n: Nudge, locale: string, usedFeatures: Set<string>) {
  if (!n.steps || isTourSteps(n.steps)) return undefined
  return n.steps.map((s) => ({ feature: s.feature, label: localized(s.label, locale), done: usedFeatures.has(s.feature) }))
}

/** What the widget gets for a nudge to show: resolved text, and checklist steps ticked by feature use. */
export function presentNudge(n: Nudge, locale: string, usedFeatures: Set<string>): DueNudge {
  return {
    key: n.key,
    kind: n.kind,
    anchor: n.anchor,
    placement: n.placement,
    requires: n.targeting.elementPresent,
    title: localized(n.title, locale),
    body: localized(n.body, locale),
    buttons: buttons(n.buttons, locale),
    steps: checklistItems(n, locale, usedFeatures),
  }
}

/** A tour for the widget: its steps in the user's locale, and the step to show (the kept one, within the tour). */
export function presentTour(n: Nudge, locale: string, keptStep: number | null): DueTour {
  const steps = n.steps && isTourSteps(n.steps) ? n.steps : []
  return {
    key: n.key,
    title: localized(n.title, locale),
    step: clampStep(keptStep ?? 0, steps.length),
    steps: steps.map((s) => ({
      anchor: s.anchor,
      path: s.path,
      placement: s.placement,
      title: localized(s.title, locale),
      body: localized(s.body, locale),
      buttons: buttons(s.buttons, locale),
    })),
  }
}
