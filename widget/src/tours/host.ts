import type { NudgesResponse } from '../../../shared/nudge-events'
import type { NudgeHost } from '../nudges/host'

/** The global the tours chunk registers (`uptake-tours.<hash>.js`, loaded only when a tour is due or the launcher is on). */
export interface ToursUI {
  /** Reconciles the screen with the server's answer: the due tour (at its kept step) and the launcher. Never throws. */
  render(answer: NudgesResponse, host: NudgeHost): void
}

export const TOURS_UI_GLOBAL = '__uptakeTours'
