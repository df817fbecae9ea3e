import { UptakeClient, type InitOptions } from './client'
import { guard } from './guard'

type QueuedCall = [string, ...unknown[]]
type Stub = QueuedCall[] & { loaded?: boolean; [method: string]: unknown }

const METHODS = ['init', 'identify', 'group', 'track', 'page', 'reset'] as const

/** Replaces the snippet's stub with the real API and replays the calls queued before load. */
function boot(): void {
  const w = window as unknown as { uptake?: Stub }
  const stub = w.uptake
  if (stub?.loaded) return // loading the script twice is harmless
  const script = document.currentScript as HTMLScriptElement | null
  const origin = script?.src ? new URL(script.src).origin : location.origin
  const client = new UptakeClient()
  const api: Record<string, unknown> = { loaded: true }
  for (const m of METHODS) {
    api[m] = guard(m, (...args: unknown[]) => {
      if (m === 'init') client.init(args[0] as InitOptions, origin)
      else (client[m] as (...a: unknown[]) => void)(...args)
      return api
    })
  }
  w.uptake = api as Stub
  // hosts that kept a reference to the stub keep working: its methods now forward to the real API
  if (stub && typeof stub === 'object') for (const m of METHODS) stub[m] = api[m]
  const writeKey = script?.dataset.writeKey
  if (writeKey) client.init({ writeKey, appVersion: script?.dataset.appVersion }, origin)
  for (const [method, ...args] of Array.isArray(stub) ? stub : []) {
    const fn = api[method]
    if (typeof fn === 'function') fn(...args)
  }
  const hide = guard('pagehide', () => client.delivery?.flush(true))
  addEventListener('pagehide', hide)
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && hide())
  addEventListener('online', guard('online', () => client.delivery?.retryNow()))
}

guard('boot', boot)()
