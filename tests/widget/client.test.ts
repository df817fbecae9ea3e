import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UptakeClient } from '../../widget/src/client'
import { clearAll } from '../../widget/src/storage'
import type { WidgetConfig } from '../../shared/config'

const config = (capture: Partial<WidgetConfig['capture']> = {}): WidgetConfig => ({
  features: [],
  nudges: false,
  capture: {
    sessionTimeoutMinutes: 30,
    stripQueryParams: ['token'],
    respectDoNotTrack: false,
    requireConsent: false,
    captureClicks: true,
    ...capture,
  },
})

async function started(capture: Partial<WidgetConfig['capture']> = {}, opts: { requireConsent?: boolean } = {}) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => (String(url).includes('/v1/config') ? Response.json(config(capture)) : new Response('{}'))),
  )
  const client = new UptakeClient()
  await client.init({ writeKey: 'wk', host: 'https://uptake.test', ...opts }, 'https://uptake.test')
  return client
}

/** The outbox as stored, once the end-of-task save has run. */
async function outbox() {
  await Promise.resolve()
  return JSON.parse(localStorage.getItem('uptake:outbox') ?? '{"events":[]}').events as { type: string; event?: string; userId?: string }[]
}

beforeEach(() => clearAll())
afterEach(() => vi.unstubAllGlobals())

describe('UptakeClient', () => {
  it('emits one Signed In for an identified user, even when the host also tracks it', async () => {
    const client = await started()
    client.identify('u1', { role: 'admin' })
    client.track('Signed In')
    client.track('Invoice Created')
    const names = (await outbox()).filter((e) => e.type === 'track').map((e) => e.event)
    expect(names).toEqual(['Signed In', 'Invoice Created'])
  })

  it('counts the login of the next user after a sign-out (reset) in the same tab', async () => {
    const client = await started()
    client.identify('u1')
    client.reset()
    client.identify('u2')
    client.track('Signed In')
    const logins = (await outbox()).filter((e) => e.event === 'Signed In').map((e) => e.userId)
    expect(logins).toEqual(['u1', 'u2'])
  })

  it('keeps the user hash for the user it signs: set by identify, dropped for another user and on reset', async () => {
    const client = await started()
    client.identify('u1', {}, { userHash: 'h1' })
    expect(client.identity.userHash).toBe('h1')
    client.identify('u1', { plan: 'pro' })
    expect(client.identity.userHash).toBe('h1')
    client.identify('u2')
    expect(client.identity.userHash).toBeUndefined()
    client.identify('u2', {}, { userHash: 'h2' })
    client.reset()
    expect(client.identity.userHash).toBeUndefined()
    // the hash never travels with ordinary events
    expect(JSON.stringify(await outbox())).not.toMatch(/h1|h2/)
  })

  it('takes the session timeout from the fresh config over the cached one', async () => {
    localStorage.setItem('uptake:config', JSON.stringify(config({ sessionTimeoutMinutes: 30 })))
    const client = await started({ sessionTimeoutMinutes: 15 })
    expect(client.session?.timeoutMs).toBe(15 * 60_000)
  })

  it('captures nothing in consent mode until consent is given', async () => {
    const client = await started({}, { requireConsent: true })
    client.identify('u1')
    client.track('Before')
    expect(await outbox()).toEqual([])
    expect(localStorage.getItem('uptake:identity')).toBeNull() // not even the user id is stored before consent
    client.consent(true)
    expect(JSON.parse(localStorage.getItem('uptake:identity')!).userId).toBe('u1')
    client.track('After')
    expect((await outbox()).map((e) => e.event ?? e.type)).toContain('After')
    expect((await outbox()).map((e) => e.event)).not.toContain('Before')
  })

  it('honours the project consent switch from the config', async () => {
    const client = await started({ requireConsent: true })
    client.track('Before')
    expect(await outbox()).toEqual([])
  })

  it('honours Do-Not-Track when the project says so', async () => {
    vi.stubGlobal('navigator', { ...navigator, doNotTrack: '1' })
    const client = await started({ respectDoNotTrack: true })
    client.track('x')
    expect(await outbox()).toEqual([])
  })

  it('stops and clears everything on optOut, across reloads', async () => {
    const client = await started()
    client.identify('u1')
    client.optOut()
    client.track('after')
    expect(localStorage.getItem('uptake:identity')).toBeNull()
    expect(await outbox()).toEqual([])
    const again = new UptakeClient()
    again.init({ writeKey: 'wk' }, 'https://uptake.test')
    again.track('x')
    expect(await outbox()).toEqual([])
  })

  it('leaves only the opt-out flag in storage when an event came just before optOut, in the same task', async () => {
    const client = await started()
    client.track('just before')
    client.optOut()
    await Promise.resolve() // the end-of-task save of the outbox must not bring it back
    expect(Object.keys(localStorage).filter((k) => k.startsWith('uptake:'))).toEqual(['uptake:optout'])
  })

  it('sends what the host passed at the time of the call, and an unserialisable call fails alone', async () => {
    let release!: (r: Response) => void
    const batches: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init?: RequestInit) => {
        if (String(url).includes('/v1/config')) return new Promise<Response>((r) => (release = r))
        batches.push(String(init?.body))
        return Promise.resolve(new Response('{}'))
      }),
    )
    vi.useFakeTimers()
    const client = new UptakeClient()
    const ready = client.init({ writeKey: 'wk' }, 'https://uptake.test')
    const props: Record<string, unknown> = { step: 1 }
    client.track('Before', props)
    props.step = 2 // the host reuses its object
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(() => client.track('Circular', circular)).toThrow() // the public API's guard reports it; nothing is queued
    client.track('After')
    release(Response.json(config()))
    await ready
    await vi.advanceTimersByTimeAsync(2100)
    vi.useRealTimers()
    const sent = batches.flatMap((b) => (JSON.parse(b) as { batch: { event?: string; properties?: { step?: number } }[] }).batch)
    expect(sent.filter((e) => e.event).map((e) => e.event)).toEqual(['Before', 'After'])
    expect(sent[0].properties?.step).toBe(1)
  })

  it('strips configured query parameters from captured URLs', async () => {
    history.replaceState({}, '', '/page?token=secret&tab=1')
    const client = await started()
    expect(client.pageContext().url).not.toContain('secret')
    expect(client.pageContext().url).toContain('tab=1')
  })

  it('holds events made before the config arrives and sends them once it does', async () => {
    let release!: (r: Response) => void
    const batches: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init?: RequestInit) => {
        if (String(url).includes('/v1/config')) return new Promise<Response>((r) => (release = r))
        batches.push(String(init?.body))
        return Promise.resolve(new Response('{}', { status: 503 }))
      }),
    )
    const client = new UptakeClient()
    const ready = client.init({ writeKey: 'wk' }, 'https://uptake.test')
    client.track('Early')
    expect(await outbox()).toEqual([])
    vi.useFakeTimers()
    release(Response.json(config()))
    await ready
    await vi.advanceTimersByTimeAsync(2100) // the next batch, with whatever followed the config
    vi.useRealTimers()
    expect(batches.join()).toContain('"Early"')
  })
})
