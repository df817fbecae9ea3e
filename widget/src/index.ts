import { classifyClick } from './capture/clicks'
import { Engagement } from './capture/engagement'
import { watchRoutes } from './capture/pages'
import { UptakeClient, type InitOptions } from './client'
import { WIDGET_ERROR_EVENT } from '../../shared/event-names'
import { guard, onWidgetError } from './guard'
import { nudgeLoader } from './nudge-loader'
import { AUTHOR_LINK, AUTHOR_SESSION_KEY } from './builder/host'

type QueuedCall = [string, ...unknown[]]
type Stub = QueuedCall[] & { loaded?: boolean; [method: string]: unknown }

const METHODS = ['init', 'identify', 'group', 'track', 'page', 'reset', 'consent', 'optOut'] as const
const MAX_ERROR_REPORTS = 5

function listen(target: EventTarget, type: string, fn: (e: Event) => void): void {
  target.addEventListener(type, guard(type, fn), { capture: true, passive: true })
}

/** Wires the browser to the client: clicks, input, visibility, routes. Every listener is guarded. */
function capture(client: UptakeClient, nudges: ReturnType<typeof nudgeLoader>, onPage: () => void): void {
  const engagement = new Engagement((s) => client.engaged(s))
  engagement.start()
  let lastInput = 0
  const onInput = () => {
    engagement.input()
    // activity bookkeeping at most once a second: scroll and keydown fire very often
    if (Date.now() - lastInput > 1000) {
      lastInput = Date.now()
      client.activity()
    }
  }
  listen(document, 'click', (e) => {
    onInput()
    // the element itself, also inside an open shadow root (e.target is retargeted to its host)
    const [target] = e.composedPath()
    if (!(target instanceof Element) || !client.config || !client.capture.captureClicks) return
    const hit = classifyClick(target, client.config.features, location.pathname)
    if (hit) client.click(hit.event, hit.properties)
    if (hit?.properties.feature) nudges.refresh(1500)
  })
  for (const type of ['keydown', 'pointerdown', 'scroll', 'touchstart']) listen(document, type, onInput)
  const hide = () => {
    engagement.flush()
    client.delivery?.flush(true)
  }
  listen(document, 'visibilitychange', () => (document.visibilityState === 'hidden' ? hide() : onInput()))
  listen(window, 'pagehide', hide)
  listen(window, 'online', () => client.delivery?.retryNow())
  watchRoutes(onPage)
}

/** Replaces the snippet's stub with the real API and replays the calls queued before load. */
function boot(): void {
  const w = window as unknown as { uptake?: Stub }
  const stub = w.uptake
  if (stub?.loaded) return // loading the script twice is harmless
  // an authoring link's one-time token leaves the URL at once, before any page view can record it
  const linkToken = AUTHOR_LINK.exec(location.hash)?.[1]
  if (linkToken) history.replaceState(history.state, '', location.pathname + location.search)
  const script = document.currentScript as HTMLScriptElement | null
  const origin = script?.src ? new URL(script.src).origin : location.origin
  const client = new UptakeClient()
  const nudges = nudgeLoader(client)
  let reports = 0
  onWidgetError((error, where) => {
    if (++reports > MAX_ERROR_REPORTS) return
    client.send({
      type: 'track',
      event: WIDGET_ERROR_EVENT,
      properties: { message: String((error as Error)?.message ?? error), where }, // bounded by ingest (8 KB strings) and the error list (1,000)
    })
  })
  let started = false
  const start = (opts: InitOptions) => {
    const ready = client.init(opts, origin)
    if (!ready || started) return
    started = true
    // the first page and every route change: a page view, then the nudges due there
    const onPage = guard('page', () => {
      client.autoPage()
      nudges.refresh()
    })
    capture(client, nudges, onPage)
    // authoring mode only (a link, or this tab's session): end users never download the builder
    try {
      if (linkToken || sessionStorage[AUTHOR_SESSION_KEY]) nudges.author(linkToken)
    } catch {} // sessionStorage refused (sandboxed frame): no authoring there
    ready
      .then(onPage)
      // a failure while applying the config is reported like any other, never as the host's unhandled rejection
      .catch(
        guard('config', (e: unknown) => {
          throw e
        }),
      )
  }
  const api: Record<string, unknown> = { loaded: true }
  for (const m of METHODS) {
    api[m] = guard(m, (...args: unknown[]) => {
      if (m === 'init') start(args[0] as InitOptions)
      else (client[m] as (...a: unknown[]) => void)(...args)
      // a new identity or a tracked feature can make a nudge due or tick a checklist step
      if (m === 'identify' || m === 'track') nudges.refresh(m === 'track' ? 1500 : 300)
      return api
    })
  }
  // `uptake.push([method, ...args])` works before and after load: hosts' own scripts queue calls that way
  api.push = guard('push', (...calls: QueuedCall[]) => {
    for (const [method, ...args] of calls) (api[method] as ((...a: unknown[]) => void) | undefined)?.(...args)
  })
  w.uptake = api as Stub
  // hosts that kept a reference to the stub keep working: its methods now forward to the real API
  Object.assign(stub || {}, api)
  const d = script?.dataset
  if (d?.writeKey)
    start({ writeKey: d.writeKey, appVersion: d.appVersion, requireConsent: d.requireConsent === 'true', autoPage: d.autoPage !== 'false' })
  if (Array.isArray(stub)) (api.push as (...c: QueuedCall[]) => void)(...stub)
}

guard('boot', boot)()
