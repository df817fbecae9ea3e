/** Alerts as a Slack incoming-webhook message (https://api.slack.com/messaging/webhooks): `text` and Block Kit `blocks`. Pure. */

/** An alert as the webhook sends it: its id and payload (account_id, kind, reason, score, band…). */
export type WebhookAlert = Record<string, unknown>

/** Slack takes at most 50 blocks a message: this many alerts get a section each, the rest a count. */
export const SLACK_MAX_ALERTS = 20
/** A section's text may hold 3,000 characters; an alert's line stays well below. */
const MAX_LINE = 600

/** Slack mrkdwn: `&`, `<` and `>` are control characters in text and must be escaped. */
export const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

const BAND_EMOJI: Record<string, string> = { red: ':red_circle:', yellow: ':large_yellow_circle:', green: ':large_green_circle:' }

const text = (v: unknown): string | null =>
  typeof v === 'string' && v.length ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null

function alertLine(a: WebhookAlert, names: ReadonlyMap<string, string>): string {
  const id = text(a.account_id) ?? 'unknown account'
  const name = names.get(id) ?? id
  const kind = (text(a.kind) ?? 'alert').replace(/_/g, ' ')
  const band = text(a.band)
  const score = text(a.score)
  const health = score !== null ? ` · health ${score}${band ? ` ${BAND_EMOJI[band] ?? band}` : ''}` : ''
  const line = `*${slackEscape(name)}* — ${slackEscape(kind)}: ${slackEscape(text(a.reason) ?? '')}${health}`
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line
}

/** The Slack message for a batch of alerts; `names` maps account ids to names where known. */
export function slackMessage(alerts: readonly WebhookAlert[], now: number, names: ReadonlyMap<string, string> = new Map()) {
  const title = `Uptake: ${alerts.length} new CS alert${alerts.length === 1 ? '' : 's'}`
  const shown = alerts.slice(0, SLACK_MAX_ALERTS)
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    ...shown.map((a) => ({ type: 'section', text: { type: 'mrkdwn', text: alertLine(a, names) } })),
  ]
  const more = alerts.length - shown.length
  const footer = `${more > 0 ? `…and ${more} more · ` : ''}sent ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')} UTC`
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer }] })
  // `text` is the notification and screen-reader fallback when blocks are present
  return {
    text: `${title}: ${shown
      .map((a) => alertLine(a, names))
      .slice(0, 3)
      .join('; ')}${alerts.length > 3 ? '…' : ''}`,
    blocks,
  }
}
