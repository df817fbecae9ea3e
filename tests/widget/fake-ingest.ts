import { vi } from 'vitest'

/**
 * Stubs `fetch` as the worker answers the widget: GET /v1/config with every capture default and no nudges, and every
 * batch pushed (parsed) onto `sent`, which the caller owns and may empty between tests.
 */
export function stubIngest<T>(sent: T[]): void {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      if (String(url).includes('/v1/config'))
        return Response.json({
          features: [],
          nudges: false,
          capture: {
            sessionTimeoutMinutes: 30,
            stripQueryParams: [],
            respectDoNotTrack: false,
            requireConsent: false,
            captureClicks: true,
          },
        })
      sent.push(...(JSON.parse(String(init?.body)) as { batch: T[] }).batch)
      return new Response('{}')
    }),
  )
}
