import type { EventContext, UptakeEvent } from '../../shared/events'
import { Delivery, type WireEvent } from './delivery'
import { uuid } from './ids'
import { load, save } from './storage'

declare const __UPTAKE_VERSION__: string

export interface InitOptions {
  writeKey: string
  /** Origin of the Uptake worker; defaults to the origin uptake.js was loaded from. */
  host?: string
  appVersion?: string
}

type Traits = Record<string, unknown>
type Body = { type: 'identify'; traits?: Traits } | { type: 'group'; groupId: string; traits?: Traits } | { type: 'track'; event: string; properties?: Traits } | { type: 'page'; name?: string | null; properties?: Traits }

interface Identity {
  userId?: string
  anonymousId: string
  accountId?: string
}

/** The Segment-style API the host calls: identify, group, track, page. */
export class UptakeClient {
  delivery?: Delivery
  identity: Identity
  appVersion?: string
  sessionId?: string

  constructor() {
    this.identity = load<Identity>('identity') ?? { anonymousId: uuid() }
  }

  init(opts: InitOptions, scriptOrigin: string): void {
    if (this.delivery || !opts?.writeKey) return
    const host = (opts.host ?? scriptOrigin).replace(/\/$/, '')
    this.appVersion = opts.appVersion
    this.delivery = new Delivery({ endpoint: `${host}/v1/batch`, writeKey: opts.writeKey })
    this.delivery.flush()
  }

  identify(userId?: string | null, traits?: Traits): void {
    if (userId != null) this.identity.userId = String(userId)
    this.remember()
    this.send({ type: 'identify', traits })
  }

  group(accountId: string, traits?: Traits): void {
    this.identity.accountId = String(accountId)
    this.remember()
    this.send({ type: 'group', groupId: this.identity.accountId, traits })
  }

  track(event: string, properties?: Traits): void {
    this.send({ type: 'track', event: String(event), properties })
  }

  page(name?: string, properties?: Traits): void {
    this.send({ type: 'page', name: name ?? null, properties: { ...pageContext(), ...properties } })
  }

  reset(): void {
    this.identity = { anonymousId: uuid() }
    this.remember()
  }

  send(body: Body): void {
    if (!this.delivery) return
    const { userId, anonymousId, accountId } = this.identity
    const context: EventContext = {
      library: { name: 'uptake.js', version: __UPTAKE_VERSION__ },
      page: pageContext(),
      groupId: accountId,
      sessionId: this.sessionId,
      ...(this.appVersion ? { app: { version: this.appVersion } } : {}),
    }
    const event = { ...body, messageId: uuid(), timestamp: new Date().toISOString(), userId, anonymousId, context }
    this.delivery.enqueue(event as UptakeEvent as WireEvent)
  }

  private remember(): void {
    save('identity', this.identity)
  }
}

function pageContext() {
  return { path: location.pathname, url: location.href, title: document.title, referrer: document.referrer }
}
