import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { stubIngest } from './fake-ingest'

interface SentEvent {
  type: string
  context?: { page?: { url?: string } }
}

const w = window as unknown as Record<string, unknown>
let sent: SentEvent[] = []
let injected: HTMLScriptElement[] = []
const TOKEN = 'al_' + 'a1B2'.repeat(8)

/** Loads uptake.js afresh with the snippet's queue, as a page does. */
async function boot() {
  vi.resetModules()
  w.uptake = [['init', { writeKey: 'wk', host: 'https://uptake.test' }]]
  await import('../../widget/src/index')
  await vi.advanceTimersByTimeAsync(2500) // config, first page view, one flush
}

const chunkScripts = () => injected.filter((s) => s.src.includes('/uptake-nudges.'))

beforeEach(() => {
  vi.useFakeTimers()
  localStorage.clear()
  sessionStorage.clear()
  sent = []
  injected = []
  stubIngest(sent)
  // happy-dom does not load scripts: the test keeps them and plays their load
  vi.spyOn(document.head, 'appendChild').mockImplementation(
    <T extends Node>(node: T) => (injected.push(node as unknown as HTMLScriptElement), node),
  )
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  history.replaceState(null, '', '/')
})

describe('authoring mode in the capture core', () => {
  it('removes the link token from the URL before the first page view, and hands it to the builder through the nudge chunk', async () => {
    history.replaceState(null, '', `/reports?tab=1#uptake-author=${TOKEN}`)
    await boot()
    expect(location.hash).toBe('')
    expect(location.pathname + location.search).toBe('/reports?tab=1')
    const page = sent.find((e) => e.type === 'page')
    expect(page?.context?.page?.url).toBe(`${location.origin}/reports?tab=1`)
    expect(JSON.stringify(sent)).not.toContain(TOKEN)
    const [script] = chunkScripts()
    expect(script).toBeDefined()
    const author = vi.fn()
    w.__uptakeNudges = { author, render: vi.fn(), preview: vi.fn() }
    script.onload?.(new Event('load'))
    await vi.advanceTimersByTimeAsync(0)
    expect(author).toHaveBeenCalledWith(expect.objectContaining({ host: 'https://uptake.test' }), TOKEN)
  })

  it('opens the builder again on later pages of an authoring tab (its session in sessionStorage)', async () => {
    sessionStorage.setItem('uptake-author', 'as_session')
    await boot()
    const author = vi.fn()
    w.__uptakeNudges = { author, render: vi.fn(), preview: vi.fn() }
    chunkScripts()[0]?.onload?.(new Event('load'))
    await vi.advanceTimersByTimeAsync(0)
    expect(author).toHaveBeenCalledWith(expect.anything(), undefined)
  })

  it('downloads nothing more for an end user: no fragment, no session, no nudge due', async () => {
    history.replaceState(null, '', '/reports#section-2')
    await boot()
    expect(location.hash).toBe('#section-2') // the host's own fragment stays
    expect(chunkScripts()).toHaveLength(0)
  })
})
