import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UptakeClient } from '../../widget/src/client'
import { Delivery, type WireEvent } from '../../widget/src/delivery'
import { clearAll } from '../../widget/src/storage'
import { stubIngest } from './fake-ingest'

interface Sent {
  type: string
  event?: string
  messageId: string
}

const original = Object.getOwnPropertyDescriptor(window, 'localStorage')!

/** Storage that fails the way browsers fail: the getter throws (disabled, sandboxed) or setItem throws (quota). */
function breakStorage(how: 'security' | 'quota'): void {
  const real = window.localStorage
  const failing =
    how === 'security'
      ? {
          get: () => {
            throw new DOMException('The operation is insecure.', 'SecurityError')
          },
        }
      : {
          get: () => ({
            getItem: (k: string) => real.getItem(k),
            removeItem: (k: string) => real.removeItem(k),
            setItem: () => {
              throw new DOMException('quota', 'QuotaExceededError')
            },
          }),
        }
  Object.defineProperty(window, 'localStorage', { configurable: true, ...failing })
}

function serverStub() {
  const sent: Sent[] = []
  stubIngest(sent)
  return sent
}

/** One page load of the built entry point with the host's calls queued before it, as the snippet does. */
async function pageLoad(): Promise<Sent[]> {
  const sent = serverStub()
  vi.resetModules()
  const w = window as unknown as { uptake?: unknown }
  w.uptake = [
    ['init', { writeKey: 'wk', host: 'https://uptake.test' }],
    ['identify', 'u1', { role: 'admin' }],
    ['group', 'acme', { name: 'Acme' }],
  ]
  await import('../../widget/src/index')
  const api = w.uptake as Record<string, (...a: unknown[]) => unknown>
  await vi.advanceTimersByTimeAsync(10) // config arrives, first page view
  for (let i = 0; i < 5; i++) {
    api.track('Host Event', { i })
    await vi.advanceTimersByTimeAsync(10) // each in its own task, as clicks are
  }
  await vi.advanceTimersByTimeAsync(5000)
  delete w.uptake
  return sent
}

const shape = (sent: Sent[]) => sent.map((e) => e.event ?? e.type)

beforeEach(() => {
  vi.useFakeTimers()
  clearAll()
  localStorage.clear()
})
afterEach(() => {
  Object.defineProperty(window, 'localStorage', original)
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('when localStorage fails, the widget keeps working in memory', () => {
  it.each([['security' as const], ['quota' as const]])(
    'a page load sends the same events as with working storage (%s error)',
    async (how) => {
      const working = shape(await pageLoad())
      expect(working).toEqual([
        'identify',
        'group',
        'Signed In',
        'page',
        'Host Event',
        'Host Event',
        'Host Event',
        'Host Event',
        'Host Event',
      ])
      clearAll()
      localStorage.clear()
      breakStorage(how)
      const failing = await pageLoad()
      expect(shape(failing)).toEqual(working)
      expect(new Set(failing.map((e) => e.messageId)).size).toBe(failing.length) // each once
    },
  )

  it.each([['security' as const], ['quota' as const]])(
    'the outbox keeps every event across failed saves and retries (%s error)',
    async (how) => {
      breakStorage(how)
      const bodies: string[][] = []
      let up = false
      vi.stubGlobal(
        'fetch',
        vi.fn(async (_u: string, init: RequestInit) => {
          bodies.push((JSON.parse(String(init.body)) as { batch: WireEvent[] }).batch.map((e) => e.messageId))
          if (!up) throw new TypeError('offline')
          return new Response('{}')
        }),
      )
      const d = new Delivery({ endpoint: '/v1/batch', writeKey: 'wk', batchSize: 100 })
      for (let i = 1; i <= 4; i++) {
        d.enqueue({ type: 'track', event: `e${i}`, messageId: `m${i}`, timestamp: new Date().toISOString() } as WireEvent)
        await vi.advanceTimersByTimeAsync(100)
      }
      expect(d.pending).toBe(4)
      up = true
      d.retryNow()
      await vi.advanceTimersByTimeAsync(0)
      expect(bodies.at(-1)).toEqual(['m1', 'm2', 'm3', 'm4'])
      expect(d.pending).toBe(0)
    },
  )

  it('still honours consent and opt-out made during this page (security error)', async () => {
    breakStorage('security')
    serverStub()
    const client = new UptakeClient()
    await client.init({ writeKey: 'wk', host: 'https://uptake.test', requireConsent: true }, 'https://uptake.test')
    client.track('Before consent')
    expect(client.delivery!.pending).toBe(0)
    client.consent(true)
    client.track('After consent')
    expect(client.delivery!.pending).toBe(1)
    client.optOut()
    client.track('After opt-out')
    expect(client.delivery!.pending).toBe(0)
  })
})
