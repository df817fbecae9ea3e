import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Delivery, type WireEvent } from '../../widget/src/delivery'
import { clearAll } from '../../widget/src/storage'

const event = (n: number): WireEvent =>
  ({ type: 'track', event: `e${n}`, userId: 'u', messageId: `m${n}`, timestamp: new Date().toISOString() }) as WireEvent

function mockFetch(...statuses: number[]) {
  const bodies: { batch: WireEvent[]; context?: { uptake?: { dropped: number } } }[] = []
  const fn = vi.fn(async (_url: string, init: RequestInit) => {
    bodies.push(JSON.parse(init.body as string))
    const status = statuses.length > 1 ? statuses.shift()! : statuses[0]
    if (status === 0) throw new TypeError('network down')
    return new Response('{}', { status })
  })
  vi.stubGlobal('fetch', fn)
  return { fn, bodies }
}

const settle = () => vi.advanceTimersByTimeAsync(0)

beforeEach(() => {
  clearAll()
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('Delivery (the outbox)', () => {
  it('sends once the batch size is reached, with the write key in a text/plain body', async () => {
    const { fn, bodies } = mockFetch(200)
    const d = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 3 })
    d.enqueue(event(1))
    d.enqueue(event(2))
    expect(fn).not.toHaveBeenCalled()
    d.enqueue(event(3))
    await settle()
    expect(fn).toHaveBeenCalledTimes(1)
    expect(fn.mock.calls[0][1]).toMatchObject({ method: 'POST', keepalive: true, headers: { 'Content-Type': 'text/plain' } })
    expect(bodies[0]).toMatchObject({ writeKey: 'wk' })
    expect(bodies[0].batch.map((e) => e.messageId)).toEqual(['m1', 'm2', 'm3'])
    expect(d.pending).toBe(0)
  })

  it('sends after flushMs when the batch is not full', async () => {
    const { fn } = mockFetch(200)
    const d = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', flushMs: 2000 })
    d.enqueue(event(1))
    await vi.advanceTimersByTimeAsync(1900)
    expect(fn).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(200)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it.each([[500], [503], [429], [0]])('keeps events and retries with backoff after status %s', async (status) => {
    const { fn, bodies } = mockFetch(status, status, 200)
    const d = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 1 })
    d.enqueue(event(1))
    await settle()
    expect(d.pending).toBe(1)
    await vi.advanceTimersByTimeAsync(1600) // first retry within 0.5-1.5 s
    expect(fn).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(3100) // second within 1-3 s
    expect(fn).toHaveBeenCalledTimes(3)
    expect(d.pending).toBe(0)
    expect(new Set(bodies.map((b) => b.batch[0].messageId))).toEqual(new Set(['m1']))
  })

  it('drops a batch the server rejects with a 4xx instead of retrying forever', async () => {
    const { fn } = mockFetch(400)
    const d = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 1 })
    d.enqueue(event(1))
    await settle()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fn).toHaveBeenCalledTimes(1)
    expect(d.pending).toBe(0)
  })

  it('persists unsent events so a new page load sends them', async () => {
    mockFetch(0)
    const first = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 1 })
    first.enqueue(event(1))
    await settle()
    const { bodies } = mockFetch(200)
    const second = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk' })
    expect(second.pending).toBe(1)
    second.flush()
    await settle()
    expect(bodies[0].batch[0].messageId).toBe('m1')
    expect(second.pending).toBe(0)
  })

  it('drops the oldest events past its bound and reports how many', async () => {
    mockFetch(0)
    const d = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 100, maxQueued: 3 })
    for (let i = 1; i <= 5; i++) d.enqueue(event(i))
    const { bodies } = mockFetch(200)
    d.retryNow()
    await settle()
    expect(bodies[0].batch.map((e) => e.messageId)).toEqual(['m3', 'm4', 'm5'])
    expect(bodies[0].context?.uptake?.dropped).toBe(2)
  })

  it("keeps the events of every open tab: one tab never overwrites another tab's unsent events", async () => {
    mockFetch(0)
    const tabA = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 100 })
    const tabB = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 100 })
    tabA.enqueue(event(1))
    tabB.enqueue(event(2))
    tabA.enqueue(event(3))
    const stored = () => (JSON.parse(localStorage.getItem('uptake:outbox')!).events as WireEvent[]).map((e) => e.messageId).sort()
    await settle()
    expect(stored()).toEqual(['m1', 'm2', 'm3'])
    const { bodies } = mockFetch(200)
    tabA.retryNow()
    await settle()
    expect(bodies[0].batch.map((e) => e.messageId).sort()).toEqual(['m1', 'm2', 'm3'])
    tabB.enqueue(event(4)) // tab A sent m1 and m2: tab B does not put its stale copies back
    await settle()
    expect(stored()).toEqual(['m4'])
    expect(tabB.pending).toBe(1)
  })

  it('hands events to sendBeacon on page hide and keeps them until acknowledged', () => {
    mockFetch(200)
    const beacon = vi.fn(() => true)
    vi.stubGlobal('navigator', { ...navigator, sendBeacon: beacon })
    const d = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 100 })
    d.enqueue(event(1))
    d.flush(true)
    expect(beacon).toHaveBeenCalledTimes(1)
    // a beacon has no answer: the events stay, and the server's messageId dedupe absorbs the resend
    expect(d.pending).toBe(1)
  })
})
