import type { DueNudge } from '../../../shared/nudge-events'
import type { UptakeClient } from '../client'

/** What the nudge chunk gives the builder: its own renderer, for previews exactly as users see them. */
export interface NudgePreview {
  /** Shows one nudge in place (interactions not recorded); null removes it. */
  preview(nudge: DueNudge | null, theme?: Record<string, string>): void
}

/**
 * The global the builder chunk registers: the nudge chunk calls it with the core's client, the link token from the
 * fragment ('' on later pages of an authoring tab) and its renderer.
 */
export type BuilderEntry = (client: UptakeClient, linkToken: string | undefined, nudges: NudgePreview) => void

export const BUILDER_GLOBAL = '__uptakeBuilder'
/** Where this tab keeps its authoring session (sessionStorage: gone with the tab); named like the fragment, which gzip likes. */
export const AUTHOR_SESSION_KEY = 'uptake-author'
/** The URL fragment of an authoring link: `#uptake-author=<one-time token>`. */
export const AUTHOR_LINK = /#uptake-author=([\w-]+)/
