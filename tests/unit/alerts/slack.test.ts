import { describe, expect, it, vi } from 'vitest'
import { deliverWebhook, webhookBody } from '../../../worker/src/alerts/deliver'
import { SLACK_MAX_ALERTS, slackMessage } from '../../../worker/src/alerts/slack'

const NOW = Date.parse('2026-06-01T03:17:00Z')
const drop = { id: 41, account_id: 'globex', kind: 'score_drop', reason: 'score down 12 points in 7 days', score: 48, band: 'yellow' }

describe('slackMessage', () => {
  it('writes a header, one section per alert with the account name, and a context line', () => {
    const msg = slackMessage([drop], NOW, new Map([['globex', 'Globex Corp']]))
    expect(msg.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Uptake: 1 new CS alert', emoji: true } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*Globex Corp* — score drop: score down 12 points in 7 days · health 48 :large_yellow_circle:' },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'sent 2026-06-01 03:17 UTC' }] },
    ])
    expect(msg.text).toContain('Uptake: 1 new CS alert: *Globex Corp*')
  })

  it('escapes Slack control characters from account names and reasons, so a name cannot inject a link or mention', () => {
    const msg = slackMessage([{ ...drop, account_id: '<!channel> & <https://evil.test|x>' }], NOW)
    const line = (msg.blocks[1] as { text: { text: string } }).text.text
    expect(line).toContain('&lt;!channel&gt; &amp; &lt;https://evil.test|x&gt;')
    expect(line).not.toMatch(/<|>/)
  })

  it(`keeps within Slack's 50 blocks: ${SLACK_MAX_ALERTS} sections and a count of the rest`, () => {
    const msg = slackMessage(
      Array.from({ length: 60 }, (_, i) => ({ ...drop, id: i, account_id: `a${i}` })),
      NOW,
    )
    expect(msg.blocks).toHaveLength(SLACK_MAX_ALERTS + 2)
    expect(JSON.stringify(msg.blocks.at(-1))).toContain('…and 40 more')
  })

  it('reads missing or mistyped payload fields as absent, never throwing', () => {
    const msg = slackMessage([{ id: 1, account_id: 7, kind: null, score: { x: 1 } }], NOW)
    expect((msg.blocks[1] as { text: { text: string } }).text.text).toBe('*7* — alert: ')
  })
})

describe('webhookBody', () => {
  it('keeps the generic body unchanged and writes the Slack message only for the slack format', () => {
    expect(JSON.parse(webhookBody('generic', [drop], NOW))).toEqual({ sent_at: '2026-06-01T03:17:00.000Z', alerts: [drop] })
    expect(Object.keys(JSON.parse(webhookBody('slack', [drop], NOW)))).toEqual(['text', 'blocks'])
  })

  it('posts the Slack message to the webhook', async () => {
    const send = vi.fn(async (_url: string, _init: RequestInit) => new Response('ok'))
    expect(
      await deliverWebhook('https://hooks.slack.test/T/B/x', undefined, [drop], NOW, send as unknown as typeof fetch, 'slack'),
    ).toBeNull()
    expect(JSON.parse(send.mock.calls[0][1].body as string).blocks[0].type).toBe('header')
  })
})
