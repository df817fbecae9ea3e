import type { CaptureSettings, WidgetConfig } from '../../shared/config'
import { DEFAULT_CAPTURE as CAPTURE_DEFAULTS } from '../../shared/constants'
import { load, save } from './storage'

/** The server's defaults (shared/constants.ts), without importing zod into the widget. */
export const DEFAULT_CAPTURE: CaptureSettings = { ...CAPTURE_DEFAULTS, stripQueryParams: [...CAPTURE_DEFAULTS.stripQueryParams] }

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
