/** The console's only way to the server: JSON to and from the public CS API (/api/v1) with the signed-in key. */

export const KEY_STORAGE = 'uptake.console.key'

/** A failed API call: the HTTP status and the API's error code (`network` when the request never got an answer). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiFailure'
  }
}

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE)
  } catch {
    return null
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(KEY_STORAGE)
    else sessionStorage.setItem(KEY_STORAGE, key)
  } catch {
    // storage blocked: the key lives only as long as the page
  }
}

/** Listeners told when the API refuses the key (401), so the shell can ask for a new one. */
const unauthorised = new Set<() => void>()
export function onUnauthorised(fn: () => void): () => void {
  unauthorised.add(fn)
  return () => unauthorised.delete(fn)
}

/** `path` is relative to /api/v1 (e.g. `/alerts?status=open`); the body, when given, is sent as JSON. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal; key?: string } = {}): Promise<T> {
  const key = init.key ?? storedKey()
  const headers: Record<string, string> = { accept: 'application/json' }
  if (key) headers.authorization = `Bearer ${key}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(`/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiFailure(0, 'network', 'The server could not be reached. Check your connection and try again.')
  }
  const text = await res.text()
  let json: unknown = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    // not JSON: described below by status
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error
    if (res.status === 401 && !init.key) for (const fn of unauthorised) fn()
    throw new ApiFailure(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `The server answered ${res.status}.`)
  }
  return json as T
}
