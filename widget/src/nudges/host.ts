import type { DueNudge, NudgeAction } from '../../../shared/nudge-events'

/** What the capture core gives the lazily loaded nudge UI: a way to record interactions and to navigate. */
export interface NudgeHost {
  report(action: NudgeAction, nudge: string, properties?: Record<string, unknown>): void
  navigate(path: string): void
}

/** The global the nudge chunk registers (`uptake-nudges.js` is a separate bundle). */
export interface NudgeUI {
  render(nudges: DueNudge[], host: NudgeHost, theme?: Record<string, string>): void
}

export const NUDGE_UI_GLOBAL = '__uptakeNudges'
