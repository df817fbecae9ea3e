import { hmacSha256Hex } from '../lib/hash'
import { slackMessage, type WebhookAlert } from './slack'

/** How the webhook body is written: Uptake's generic JSON, or a Slack incoming-webhook message. */
export type WebhookFormat = 'generic' | 'slack'

/** The body a webhook of this format gets. Pure. */
export function webhookBody(format: WebhookFormat, alerts: WebhookAlert[], now: number, names?: ReadonlyMap<string, string>): string {
  return JSON.stringify(format === 'slack' ? slackMessage(alerts, now, names) : { sent_at: new Date(now).toISOString(), alerts })
}

/** POSTs alerts to the project's webhook, signed with HMAC-SHA256 of the body; a failure becomes a value. */
export async function deliverWebhook(
  url: string,
  secret: string | undefined,
  alerts: WebhookAlert[],
  now: number,
  send: typeof fetch = fetch,
  format: WebhookFormat = 'generic',
  names?: ReadonlyMap<string, string>,
): Promise<string | null> {
  const body = webhookBody(format, alerts, now, names)
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'uptake-alerts' }
  if (secret) headers['X-Uptake-Signature'] = `sha256=${await hmacSha256Hex(secret, body)}`
  try {
    const res = await send(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) })
    return res.ok ? null : `HTTP ${res.status}`
  } catch (e) {
    return String((e as Error)?.message ?? e).slice(0, 300)
  }
}
