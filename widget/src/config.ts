import type { WidgetConfig } from '../../shared/config'
import { DEFAULT_CAPTURE } from '../../shared/constants'
import { load, save } from './storage'

/** The server's defaults (shared/constants.ts, zod-free), for a widget that cannot fetch its config. */
export { DEFAULT_CAPTURE }

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
