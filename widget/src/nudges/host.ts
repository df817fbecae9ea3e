import type { NudgeAction, NudgesResponse } from '../../../shared/nudge-events'
import type { NudgePreview } from '../builder/host'
import type { UptakeClient } from '../client'

/** What the capture core gives the lazily loaded nudge UI: a way to record interactions. */
export interface CoreHost {
  report(action: NudgeAction, nudge: string, properties?: Record<string, unknown>): void
}

/** What the nudge views get: the core's host and a way to navigate (the chunk's own, so the core does not carry it). */
export interface NudgeHost extends CoreHost {
  navigate(path: string): void
}

/** A button's `go` action: pushState plus a popstate, which host routers and the core's route watcher both hear. */
export function navigate(path: string): void {
  try {
    history.pushState({}, '', path)
    dispatchEvent(new PopStateEvent('popstate'))
  } catch {} // a path the browser refuses (another origin) leaves the page as it is
}

/** The global the nudge chunk registers (`uptake-nudges.js` is a separate bundle). */
export interface NudgeUI extends NudgePreview {
  /** The server's answer: its nudges here, its tours and launcher handed on to the tours chunk (loaded only for them). */
  render(answer: NudgesResponse, host: CoreHost): void
  /** Authoring mode: loads the builder chunk (authors only: end users never download it). Never throws. */
  author(client: UptakeClient, linkToken?: string): void
}

export const NUDGE_UI_GLOBAL = '__uptakeNudges'
