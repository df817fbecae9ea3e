import { beforeAll, describe, expect, it, vi } from 'vitest'
import { stubIngest } from './fake-ingest'

interface SentEvent {
  type: string
  event?: string
  properties?: Record<string, unknown>
}
type Api = Record<string, (...args: unknown[]) => unknown> & { loaded?: boolean }

const sent: SentEvent[] = []
const w = window as unknown as { uptake?: unknown }
const api = () => w.uptake as Api
const tracked = (name: string) => sent.filter((e) => e.event === name)

async function loadScript() {
  vi.resetModules()
  await import('../../widget/src/index')
  await vi.advanceTimersByTimeAsync(2500) // config fetch, then one batch flush
}

beforeAll(async () => {
  vi.useFakeTimers()
  localStorage.clear()
  stubIngest(sent)
  // the snippet: calls made before the script loads wait in an array
  w.uptake = [
    ['init', { writeKey: 'wk', host: 'https://uptake.test' }],
    ['identify', 'u1'],
    ['track', 'Queued Before Load'],
  ]
  document.body.innerHTML = '<button id="b">Go</button>'
  await loadScript()
})

describe('boot (the built script as a host page sees it)', () => {
  it('replaces the snippet stub and replays the calls queued before load', () => {
    expect(api().loaded).toBe(true)
    expect(tracked('Queued Before Load')).toHaveLength(1)
    expect(tracked('Signed In')).toHaveLength(1)
  })

  it('is harmless when loaded twice: same API, one listener per event', async () => {
    const first = api()
    await loadScript()
    expect(api()).toBe(first)
    document.getElementById('b')!.click()
    await vi.advanceTimersByTimeAsync(2500)
    expect(tracked('$click')).toHaveLength(1)
  })

  it('swallows its own errors, reporting at most five per page as $widget_error', async () => {
    const hostile = {
      toString: () => {
        throw new Error('bad event name')
      },
    }
    for (let i = 0; i < 10; i++) expect(() => api().track(hostile)).not.toThrow()
    await vi.advanceTimersByTimeAsync(2500)
    const errors = tracked('$widget_error')
    expect(errors).toHaveLength(5)
    expect(errors[0]?.properties).toMatchObject({ message: 'bad event name', where: 'track' })
  })

  it('returns the API from every method so calls can be chained', () => {
    expect(api().page()).toBe(api())
  })
})
