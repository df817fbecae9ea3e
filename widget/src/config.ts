import type { CaptureSettings, WidgetConfig } from '../../shared/config'
import { load, save } from './storage'

/** Same defaults as the server's (shared/config.ts), without importing zod into the widget. */
export const DEFAULT_CAPTURE: CaptureSettings = {
  sessionTimeoutMinutes: 30,
  stripQueryParams: ['token', 'access_token', 'code', 'password', 'email', 'key', 'secret', 'session', 'auth'],
  respectDoNotTrack: false,
  requireConsent: false,
  captureClicks: true,
}

export const cachedConfig = (): WidgetConfig | undefined => load<WidgetConfig>('config')

/** Fetches the project config; on any failure resolves to the cached one or defaults, never throws. */
export async function fetchConfig(host: string, writeKey: string): Promise<WidgetConfig> {
  try {
    const res = await fetch(`${host}/v1/config?writeKey=${encodeURIComponent(writeKey)}`)
    if (res.ok) {
      const config = (await res.json()) as WidgetConfig
      save('config', config)
      return config
    }
  } catch {
    // offline or blocked: fall through
  }
  return cachedConfig() ?? { features: [], capture: DEFAULT_CAPTURE, nudges: false }
}
