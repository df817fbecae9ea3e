import type { NudgeAction, NudgesResponse } from '../../shared/nudge-events'
import type { UptakeClient } from './client'
import { loadChunk } from './chunk'
import { guard } from './guard'
import { NUDGE_UI_GLOBAL, type CoreHost, type NudgeUI } from './nudges/host'

declare const __UPTAKE_NUDGES__: string
declare const __UPTAKE_NUDGES_SRI__: string

/** `anchorMissing` → `$nudge_anchor_missing`: the names of shared/nudge-events.ts, derived rather than shipped as a table. */
export const nudgeEvent = (action: NudgeAction) => `$nudge_${action.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`

/**
 * Asks the server which nudges are due (only when the project has any) and loads the nudge UI bundle
 * only when one is: pages with nothing to show never download it.
 */
export function nudgeLoader(client: UptakeClient) {
  let ui: Promise<NudgeUI | null> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  // the latest refresh: a check it superseded while flushing never asks
  let seq = 0
  const host: CoreHost = {
    report: guard('nudge report', (action, nudge, properties) =>
      client.send({ type: 'track', event: nudgeEvent(action), properties: { nudge, ...properties, userHash: client.identity.userHash } }),
    ),
  }
  // content-hashed name and integrity, both fixed at build time: the chunk is cached forever and pinned by this loader
  const loadUI = () => (ui ??= loadChunk<NudgeUI>(`${client.host}/${__UPTAKE_NUDGES__}`, __UPTAKE_NUDGES_SRI__, NUDGE_UI_GLOBAL))
  const ask = async (userId: string) => {
    const q = new URLSearchParams({
      writeKey: client.opts!.writeKey, // checked by check()
      userId,
      userHash: client.identity.userHash ?? '',
      path: location.pathname,
      session: client.session?.state.id ?? '',
      locale: navigator.language, // never empty in a browser; the server falls back to the default text anyway
    })
    const res = await fetch(`${client.host}/v1/nudges?${q}`) // the server answers Cache-Control: no-store
    if (!res.ok) return
    const r = (await res.json()) as NudgesResponse
    // the nudge chunk hands tours and the launcher on to the tours chunk, loaded only for them
    if (r.nudges.length || r.tours?.length || r.launcher || ui) (await loadUI())?.render(r, host)
  }
  const check = async (n: number) => {
    const { userId } = client.identity
    if (!client.config?.nudges || !userId || !client.opts || !client.allowed()) return
    // the server decides from what it knows: send our own identify and feature events first, then give its ingest
    // queue a moment to write them (README: Ingest queue; the consumer batches for up to 1 s); a refresh meanwhile cancels it
    for (let i = 0; i < 3 && client.delivery?.pending; i++) await client.delivery.flush()
    if (n === seq) timer = setTimeout(() => ask(userId).catch(() => {}), 1500)
  }
  return {
    /** Authoring mode: the nudge chunk brings the builder, whose preview is this very nudge UI. */
    author: (linkToken?: string) => loadUI().then((u) => u?.author(client, linkToken)),
    /** Re-checks soon: after identify, a route change, or a feature used (checklists tick). */
    refresh(delayMs = 300) {
      clearTimeout(timer)
      const n = ++seq
      timer = setTimeout(() => check(n).catch(() => {}), delayMs)
    },
  }
}
