import type { WidgetConfig } from '../../shared/config'
import { CLICK_EVENT, ENGAGED_EVENT, SIGNED_IN_EVENT } from '../../shared/event-names'
import type { EventContext } from '../../shared/events'
import { cachedConfig, DEFAULT_CAPTURE, fetchConfig } from './config'
import { Delivery, type WireEvent } from './delivery'
import { uuid } from './ids'
import { browserOptsOut, stripUrl } from './privacy'
import { Session } from './session'
import { clearAll, load, save } from './storage'

declare const __UPTAKE_VERSION__: string

export interface InitOptions {
  writeKey: string
  /** Origin of the Uptake worker; defaults to the origin uptake.js was loaded from. */
  host?: string
  appVersion?: string
  /** Capture nothing until `uptake.consent(true)`; the project setting can also require it. */
  requireConsent?: boolean
  /** Send a page view on load and on every route change (default true); false leaves page views to `page()`. */
  autoPage?: boolean
}

type Traits = Record<string, unknown>
type Body =
  | { type: 'identify'; traits?: Traits }
  | { type: 'group'; groupId: string; traits?: Traits }
  | { type: 'track'; event: string; properties?: Traits }
  | { type: 'page'; name?: string | null; properties?: Traits }

interface Identity {
  userId?: string
  anonymousId: string
  accountId?: string
  /** Signs `userId` (identity verification); sent only with nudge requests and nudge interactions. */
  userHash?: string
}

const MAX_WAITING = 100

/** The Segment-style API the host calls, with consent, sessions and logins applied to every event. */
export class UptakeClient {
  delivery?: Delivery
  config?: WidgetConfig
  identity: Identity
  session?: Session
  opts?: InitOptions
  host = ''
  /** Events made before the config arrived: sent or dropped once consent rules are known. */
  #waiting: WireEvent[] = []
  /** The URL of the last page view: one page view per URL, whether the widget or the host reports it first. */
  #lastPage?: string

  constructor() {
    this.identity = load<Identity>('identity') ?? { anonymousId: uuid() }
  }

  init(opts: InitOptions, scriptOrigin: string): Promise<void> | void {
    if (this.opts || !opts?.writeKey || load('optout')) return
    this.opts = opts
    this.host = (opts.host ?? scriptOrigin).replace(/\/$/, '')
    this.delivery = new Delivery({ endpoint: `${this.host}/v1/batch`, writeKey: opts.writeKey })
    const cached = cachedConfig()
    if (cached) this.#configure(cached)
    return fetchConfig(this.host, opts.writeKey).then((c) => this.#configure(c))
  }

  #configure(config: WidgetConfig): void {
    const first = !this.config
    this.config = config
    this.session ??= new Session(0)
    this.session.timeoutMs = (config.capture?.sessionTimeoutMinutes ?? 30) * 60_000 // the fresh config may change the cached one's
    if (!first) return
    const waiting = this.#waiting
    this.#waiting = []
    // batched as usual (with the first page view that follows), not one more request at start-up
    if (this.allowed()) for (const e of waiting) this.delivery?.enqueue(e)
  }

  get capture() {
    return this.config?.capture ?? DEFAULT_CAPTURE
  }

  /** Whether anything may be captured now: opt-out, consent mode and DNT/GPC, in that order. */
  allowed(): boolean {
    if (load('optout')) return false
    const consent = load<boolean>('consent')
    if (consent === false) return false
    if ((this.opts?.requireConsent || this.capture.requireConsent) && consent !== true) return false
    return !(this.capture.respectDoNotTrack && browserOptsOut())
  }

  identify(userId?: string | null, traits?: Traits, opts?: { userHash?: string }): void {
    const i = this.identity
    // a hash signs one user id: another user's call drops it
    if (userId != null && i.userId !== (i.userId = String(userId).slice(0, 200))) i.userHash = undefined
    if (opts?.userHash) i.userHash = opts.userHash
    this.#saveIdentity()
    this.send({ type: 'identify', traits })
    this.activity()
  }

  group(accountId: string, traits?: Traits): void {
    this.identity.accountId = String(accountId).slice(0, 200)
    this.#saveIdentity()
    this.send({ type: 'group', groupId: this.identity.accountId, traits })
  }

  track(event: string, properties?: Traits): void {
    event = String(event)
    this.activity()
    // a host's own 'Signed In' counts once per session, like the automatic one
    if (event === SIGNED_IN_EVENT && this.session && !this.session.markLogin()) return
    this.send({ type: 'track', event, properties })
  }

  page(name?: string, properties?: Traits): void {
    this.activity()
    if (location.href === this.#lastPage) return
    this.#lastPage = location.href
    this.send({ type: 'page', name: name ?? null, properties: { ...this.pageContext(), ...properties } })
  }

  /** The widget's own page view (load, route change): unless the host turned them off or already sent it. */
  autoPage(): void {
    if (this.opts?.autoPage !== false) this.page()
  }

  consent(granted: boolean): void {
    save('consent', !!granted)
    if (!granted) return this.delivery?.clear()
    load('optout') && save('optout', false)
    this.#saveIdentity()
    if (this.identity.userId) this.identify(this.identity.userId)
  }

  optOut(): void {
    this.delivery?.clear()
    clearAll()
    save('optout', true)
    this.identity = { anonymousId: uuid() }
  }

  reset(): void {
    this.identity = { anonymousId: uuid() }
    this.#saveIdentity()
    this.session?.end() // the next user to sign in on this device gets their own session and login
  }

  /** Ids are kept in memory only until capture is allowed: nothing is stored on the device before consent. */
  #saveIdentity(): void {
    if (this.allowed()) save('identity', this.identity)
  }

  /** User activity: keeps the session alive; the first activity of a session by a known user is a login. */
  activity(): void {
    if (!this.session || !this.allowed()) return
    this.session.touch()
    if (this.identity.userId && this.session.markLogin()) {
      this.send({ type: 'track', event: SIGNED_IN_EVENT, properties: { automatic: true } })
    }
  }

  click(event: string, properties: Traits): void {
    if (event !== CLICK_EVENT) this.activity()
    this.send({ type: 'track', event, properties })
  }

  engaged(seconds: number): void {
    if (seconds > 0) this.send({ type: 'track', event: ENGAGED_EVENT, properties: { seconds } })
  }

  send(body: Body): void {
    if (!this.delivery || load('optout')) return
    const { userId, anonymousId, accountId } = this.identity
    const context: EventContext = {
      library: { name: 'uptake.js', version: __UPTAKE_VERSION__ },
      page: this.pageContext(),
      groupId: accountId,
      sessionId: this.session?.state.id || undefined,
      ...(this.opts?.appVersion ? { app: { version: this.opts.appVersion } } : {}),
    }
    // a copy: the host may change its objects later, and an unserialisable one fails here, in the guarded call
    const event = JSON.parse(
      JSON.stringify({ ...body, messageId: uuid(), timestamp: new Date().toISOString(), userId, anonymousId, context }),
    ) as WireEvent
    if (!this.config) {
      if (this.#waiting.length < MAX_WAITING) this.#waiting.push(event)
      return
    }
    if (this.allowed()) this.delivery.enqueue(event)
  }

  pageContext() {
    const strip = (u: string) => stripUrl(u, this.capture.stripQueryParams)
    return { path: location.pathname, url: strip(location.href), title: document.title, referrer: strip(document.referrer) }
  }
}
