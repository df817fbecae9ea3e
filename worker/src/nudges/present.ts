import type { DueNudge } from '../../../shared/nudge-events'
import type { Nudge } from './definition'

/** Text in the user's locale: exact (`pt-BR`), then language (`pt`), then the default. */
export function localized(text: Record<string, string>, locale: string): string {
  return text[locale] ?? text[locale.split('-')[0]] ?? text.default
}

/** What the widget gets for a nudge to show: resolved text, and checklist steps ticked by feature use. */
export function presentNudge(n: Nudge, locale: string, usedFeatures: Set<string>): DueNudge {
  return {
    key: n.key,
    kind: n.kind,
    anchor: n.anchor,
    requires: n.targeting.elementPresent,
    title: localized(n.title, locale),
    body: localized(n.body, locale),
    buttons: n.buttons.map((b) => ({ label: localized(b.label, locale), action: b.action })),
    steps: n.steps?.map((s) => ({ feature: s.feature, label: localized(s.label, locale), done: usedFeatures.has(s.feature) })),
  }
}
