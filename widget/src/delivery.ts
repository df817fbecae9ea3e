import type { UptakeEvent } from '../../shared/events'
import { load, save } from './storage'

export type WireEvent = UptakeEvent & { messageId: string; timestamp: string }

export interface DeliveryOptions {
  endpoint: string
  writeKey: string
  /** Send when this many events are waiting. */
  batchSize?: number
  /** Otherwise send this long after the first waiting event. */
  flushMs?: number
  maxQueued?: number
}

interface Persisted {
  events: WireEvent[]
  dropped: number
}

// keepalive requests and beacons are limited to 64 KiB in flight
const MAX_REQUEST_BYTES = 60_000
const MAX_BACKOFF_MS = 60_000

const ids = (events: WireEvent[]) => new Set(events.map((e) => e.messageId))

/** The outbox as saved by any tab; anything unreadable counts as empty. */
function storedEvents(saved = load<Persisted>('outbox')): WireEvent[] {
  const events = saved?.events
  return Array.isArray(events) ? events.filter((e) => e?.messageId) : []
}

/**
 * The outbox: events wait in localStorage until the server has acknowledged them, so reloads,
 * offline periods and crashes lose nothing; messageId makes every resend idempotent on the server.
 */
export class Delivery {
  #events: WireEvent[]
  #dropped: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #sending: Promise<void> | null = null
  #failures = 0
  /** Ids this tab saw acknowledged, rejected or dropped: never re-adopted from another tab's stale copy. */
  #gone = new Set<string>()
  /** Ids this tab last wrote to storage: one missing there now was sent (or cleared) by another tab. */
  #stored: Set<string>

  /** A save is queued for the end of this task: a burst of events costs one write, not one each. */
  #saving = false

  readonly #opts: DeliveryOptions

  constructor(opts: DeliveryOptions) {
    this.#opts = opts
    const saved = load<Persisted>('outbox')
    this.#events = storedEvents(saved)
    this.#dropped = saved?.dropped ?? 0
    this.#stored = ids(this.#events)
  }

  get pending(): number {
    return this.#events.length
  }

  enqueue(event: WireEvent): void {
    this.#events.push(event)
    this.#save()
    if (this.#events.length >= (this.#opts.batchSize ?? 20)) void this.flush()
    else this.#schedule(this.#opts.flushMs ?? 2000)
  }

  /**
   * Sends waiting events now; with `beacon` (page hide) hands them to the browser to send after unload.
   * Resolves when the server has answered (or the send failed), so callers can read their own writes.
   */
  flush(beacon = false): Promise<void> {
    if (this.#sending && !beacon) return this.#sending
    // sync with the other tabs (and with storage, before a page hide) first; nothing is written for an empty outbox
    if (this.#events.length) this.#persist()
    if (!this.#events.length) return Promise.resolve()
    const batch = this.#take()
    const body = this.#body(batch)
    if (beacon) {
      navigator.sendBeacon?.(this.#opts.endpoint, new Blob([body], { type: 'text/plain' }))
      return Promise.resolve()
    }
    this.#sending = fetch(this.#opts.endpoint, { method: 'POST', body, keepalive: true, headers: { 'Content-Type': 'text/plain' } })
      .then((res) => this.#settle(batch, res.status))
      .catch(() => this.#settle(batch, 0))
    return this.#sending
  }

  /** Resets the backoff, e.g. when the browser comes back online. */
  retryNow(): void {
    this.#failures = 0
    void this.flush()
  }

  clear(): void {
    this.#saving = false
    this.#events = []
    this.#stored.clear()
    save('outbox', { events: [], dropped: 0 } satisfies Persisted)
  }

  #take(): WireEvent[] {
    const batch: WireEvent[] = []
    let bytes = 200
    for (const event of this.#events) {
      bytes += JSON.stringify(event).length + 1
      if (batch.length && bytes > MAX_REQUEST_BYTES) break
      batch.push(event)
    }
    return batch
  }

  #body(batch: WireEvent[]): string {
    const context = this.#dropped ? { uptake: { dropped: this.#dropped } } : undefined
    return JSON.stringify({ writeKey: this.#opts.writeKey, sentAt: new Date().toISOString(), context, batch })
  }

  #settle(batch: WireEvent[], status: number): void {
    this.#sending = null
    // 5xx, 429 and network errors are worth retrying; any other 4xx would fail again the same way
    const retry = status === 0 || status === 429 || status >= 500
    if (!retry) {
      for (const e of batch) this.#gone.add(e.messageId)
      this.#events = this.#events.filter((e) => !this.#gone.has(e.messageId))
      if (status < 300) this.#dropped = 0
      this.#failures = 0
      this.#save()
      if (this.#events.length) this.#schedule(0)
      return
    }
    this.#failures++
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.#failures - 1))
    this.#schedule(base / 2 + Math.random() * base)
  }

  /** Persists at the end of the current task (microtasks run before the page can unload). */
  #save(): void {
    if (this.#saving) return
    this.#saving = true
    queueMicrotask(() => this.#saving && ((this.#saving = false), this.#persist())) // clear() may have cancelled it
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.flush(), ms)
  }

  /**
   * Tabs share one outbox: adopt the other tabs' unsent events rather than overwrite them (a resend
   * is harmless, messageId dedupes it), then drop the oldest past the bound.
   */
  #persist(): void {
    const stored = storedEvents()
    const now = ids(stored)
    this.#events = this.#events.filter((e) => now.has(e.messageId) || !this.#stored.has(e.messageId))
    const have = ids(this.#events)
    const theirs = stored.filter((e) => !have.has(e.messageId) && !this.#gone.has(e.messageId))
    if (theirs.length) this.#events = this.#events.concat(theirs).sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1))
    const overflow = this.#events.length - (this.#opts.maxQueued ?? 1000)
    if (overflow > 0) {
      for (const e of this.#events.splice(0, overflow)) this.#gone.add(e.messageId)
      this.#dropped += overflow
    }
    const mine = ids(this.#events)
    // only what reached localStorage can later be missing from it because another tab sent it
    if (save('outbox', { events: this.#events, dropped: this.#dropped } satisfies Persisted)) this.#stored = mine
  }
}
