import { hmacSha256Hex } from '../lib/hash'

/** POSTs alerts to the project's webhook, signed with HMAC-SHA256 of the body; a failure becomes a value. */
export async function deliverWebhook(
  url: string,
  secret: string | undefined,
  alerts: unknown[],
  now: number,
  send: typeof fetch = fetch,
): Promise<string | null> {
  const body = JSON.stringify({ sent_at: new Date(now).toISOString(), alerts })
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'uptake-alerts' }
  if (secret) headers['X-Uptake-Signature'] = `sha256=${await hmacSha256Hex(secret, body)}`
  try {
    const res = await send(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) })
    return res.ok ? null : `HTTP ${res.status}`
  } catch (e) {
    return String((e as Error)?.message ?? e).slice(0, 300)
  }
}
