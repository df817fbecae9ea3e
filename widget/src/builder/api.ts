/** The builder's calls to `/v1/authoring`: the session token as Bearer, JSON in and out, errors as values to show. */
export class BuilderError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

async function parse<T>(res: Response): Promise<T> {
  const json = res.status === 204 ? null : await res.json().catch(() => null)
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error
    throw new BuilderError(res.status, e?.code ?? 'error', e?.message ?? `HTTP ${res.status}`, e?.details)
  }
  return json as T
}

export interface Session {
  session: string
  expiresAt: string
  author: string
}

/** Trades the link token from the URL fragment (with the write key) for a session. */
export async function exchangeLink(host: string, token: string, writeKey: string): Promise<Session> {
  const res = await fetch(`${host}/v1/authoring/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, writeKey }),
  })
  return parse<Session>(res)
}

export class BuilderApi {
  constructor(
    readonly host: string,
    readonly token: string,
  ) {}

  async call<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
    const res = await fetch(`${this.host}/v1/authoring${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    })
    return parse<T>(res)
  }
}

/** An error as one line for the panel, with the server's details (what to fix) when it gave them. */
export function describe(e: unknown): string {
  if (e instanceof BuilderError) {
    const details = Array.isArray(e.details) ? ` ${e.details.join('; ')}` : ''
    return `${e.message}${details}`
  }
  return 'Uptake could not be reached: check the connection and try again'
}
