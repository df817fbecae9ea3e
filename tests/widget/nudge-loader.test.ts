import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DueNudge } from '../../shared/nudge-events'
import type { UptakeClient } from '../../widget/src/client'
import { nudgeLoader } from '../../widget/src/nudge-loader'

/** A refresh(0) has asked the server by then: the loader waits 1.5 s after its flush (for a queued write). */
const ASKED = 1510

const due: DueNudge = { key: 'tip', kind: 'banner', title: 'Try export', body: 'It is fast', buttons: [] }

/** Just what the loader reads of the client: identity, config, options, consent, outbox. */
function fakeClient(over: { nudges?: boolean; userId?: string; allowed?: boolean; userHash?: string } = {}) {
  return {
    identity: { anonymousId: 'a1', userId: 'userId' in over ? over.userId : 'u1', userHash: over.userHash },
    config: { features: [], capture: {}, nudges: over.nudges ?? true },
    opts: { writeKey: 'wk' },
    host: 'https://uptake.test',
    allowed: () => over.allowed ?? true,
    session: { state: { id: 's1' } },
    send: vi.fn(),
  } as unknown as UptakeClient
}

function answer(nudges: DueNudge[]) {
  const fetch = vi.fn(async () => Response.json({ nudges }))
  vi.stubGlobal('fetch', fetch)
  return fetch
}

let injected: HTMLScriptElement[] = []
const chunkScripts = () => injected.filter((s) => s.src.endsWith('/uptake-nudges.js'))

beforeEach(() => {
  vi.useFakeTimers()
  injected = []
  // keep injected scripts out of the DOM: happy-dom does not load them; the test fires their events
  vi.spyOn(document.head, 'appendChild').mockImplementation(
    <T extends Node>(node: T) => (injected.push(node as unknown as HTMLScriptElement), node),
  )
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('nudgeLoader', () => {
  it.each([
    ['the project has no nudges', { nudges: false }],
    ['the user is anonymous', { userId: undefined }],
    ['capture is not allowed (consent, opt-out, DNT)', { allowed: false }],
  ])('never asks the server when %s', async (_, over) => {
    const fetch = answer([due])
    nudgeLoader(fakeClient(over)).refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    expect(fetch).not.toHaveBeenCalled()
    expect(chunkScripts()).toEqual([])
  })

  it('asks for due nudges with the user, page and session, and loads no UI chunk when none is due', async () => {
    const fetch = answer([])
    nudgeLoader(fakeClient()).refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    const url = new URL(String(fetch.mock.calls[0]?.[0 as never]))
    expect(url.pathname).toBe('/v1/nudges')
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ writeKey: 'wk', userId: 'u1', session: 's1', path: location.pathname })
    expect(chunkScripts()).toEqual([])
  })

  it('injects the UI chunk once when a nudge is due and hands it the nudges', async () => {
    answer([due])
    const loader = nudgeLoader(fakeClient())
    loader.refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    const [script] = chunkScripts()
    expect(script?.src).toBe('https://uptake.test/uptake-nudges.js') // the content-hashed name the build defines
    // pinned by the loader: SRI needs a CORS fetch of a cross-origin script
    expect(script?.integrity).toBe('sha256-test')
    expect(script?.crossOrigin).toBe('anonymous')
    const render = vi.fn()
    ;(window as unknown as Record<string, unknown>).__uptakeNudges = { render }
    script!.onload?.(new Event('load'))
    await vi.advanceTimersByTimeAsync(0)
    const [answered, host] = render.mock.calls[0] ?? []
    expect(answered.nudges).toEqual([due])
    expect(host).toMatchObject({ report: expect.any(Function) }) // navigation is the chunk's own
    loader.refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    expect(chunkScripts()).toHaveLength(1)
    expect(render).toHaveBeenCalledTimes(2)
  })

  it('loads the UI chunk for a tour or the launcher alone (which hands them to the tours chunk), not for an empty answer', async () => {
    const fetch = vi.fn(async () => Response.json({ nudges: [], tours: [] }))
    vi.stubGlobal('fetch', fetch)
    nudgeLoader(fakeClient()).refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    expect(chunkScripts()).toEqual([])
    const tour = { key: 't', title: 'T', step: 0, steps: [{ placement: 'auto', title: 'a', body: 'b', buttons: [] }] }
    fetch.mockImplementation(async () => Response.json({ nudges: [], tours: [tour] }))
    nudgeLoader(fakeClient()).refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    expect(chunkScripts()).toHaveLength(1)
  })

  it('sends the user hash (identity verification) with the request and with every interaction, and an empty one when there is none', async () => {
    const fetch = answer([due])
    const client = fakeClient({ userHash: 'ab'.repeat(32) })
    nudgeLoader(client).refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    expect(new URL(String(fetch.mock.calls[0]?.[0 as never])).searchParams.get('userHash')).toBe('ab'.repeat(32))
    const render = vi.fn()
    ;(window as unknown as Record<string, unknown>).__uptakeNudges = { render }
    chunkScripts()[0]!.onload?.(new Event('load'))
    await vi.advanceTimersByTimeAsync(0)
    render.mock.calls[0]![1].report('dismissed', 'tip')
    expect(client.send).toHaveBeenCalledWith({
      type: 'track',
      event: '$nudge_dismissed',
      properties: { nudge: 'tip', userHash: 'ab'.repeat(32) },
    })
    const plain = answer([])
    nudgeLoader(fakeClient()).refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    expect(new URL(String(plain.mock.calls[0]?.[0 as never])).searchParams.get('userHash')).toBe('')
  })

  it('stays quiet when the decision request fails', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('offline'))),
    )
    nudgeLoader(fakeClient()).refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    expect(chunkScripts()).toEqual([])
  })

  it('gives up quietly when the UI chunk cannot load', async () => {
    answer([due])
    nudgeLoader(fakeClient()).refresh(0)
    await vi.advanceTimersByTimeAsync(ASKED)
    expect(() => chunkScripts()[0]!.onerror?.(new Event('error'))).not.toThrow()
    await vi.advanceTimersByTimeAsync(ASKED)
  })

  it('sends its own waiting events first, then asks 1.5 s after the answer (a queued write is read back), not before', async () => {
    const calls: string[] = []
    const fetch = vi.fn(async (url: string) => (calls.push(new URL(url).pathname), Response.json({ nudges: [] })))
    vi.stubGlobal('fetch', fetch)
    const client = fakeClient()
    let pending = 1
    Object.assign(client, {
      delivery: {
        get pending() {
          return pending
        },
        flush: vi.fn(async () => {
          calls.push('/v1/batch')
          pending = 0
        }),
      },
    })
    nudgeLoader(client).refresh(0)
    await vi.advanceTimersByTimeAsync(1400)
    expect(calls).toEqual(['/v1/batch'])
    await vi.advanceTimersByTimeAsync(200)
    expect(calls).toEqual(['/v1/batch', '/v1/nudges'])
  })

  it('asks once for a burst of refreshes, also when one comes while the first is still sending its events', async () => {
    const fetch = answer([])
    const client = fakeClient()
    let pending = 2
    Object.assign(client, {
      delivery: {
        get pending() {
          return pending
        },
        // each send takes 100 ms and leaves the outbox empty
        flush: () => new Promise<void>((r) => setTimeout(() => ((pending = 0), r()), 100)),
      },
    })
    const loader = nudgeLoader(client)
    loader.refresh(0)
    await vi.advanceTimersByTimeAsync(50) // the first check is sending
    pending = 1
    loader.refresh(0)
    await vi.advanceTimersByTimeAsync(5000)
    expect(fetch).toHaveBeenCalledTimes(1)
  })
})
