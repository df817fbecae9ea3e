import { createHmac } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { deliverWebhook } from '../../../worker/src/alerts/deliver'

describe('deliverWebhook', () => {
  it('posts the alerts signed with HMAC-SHA256 of the exact body', async () => {
    const send = vi.fn(async (_url: string, _init: RequestInit) => new Response('ok'))
    const error = await deliverWebhook(
      'https://crm.test/hook',
      's3cret-s3cret-s3cret',
      [{ kind: 'band_changed' }],
      Date.parse('2026-06-01T00:00:00Z'),
      send as unknown as typeof fetch,
    )
    expect(error).toBeNull()
    const [url, init] = send.mock.calls[0]
    expect(url).toBe('https://crm.test/hook')
    const body = init.body as string
    expect(JSON.parse(body)).toEqual({ sent_at: '2026-06-01T00:00:00.000Z', alerts: [{ kind: 'band_changed' }] })
    const expected = `sha256=${createHmac('sha256', 's3cret-s3cret-s3cret').update(body).digest('hex')}`
    expect((init.headers as Record<string, string>)['X-Uptake-Signature']).toBe(expected)
  })

  it('turns a failing endpoint into an error value, never a throw', async () => {
    expect(
      await deliverWebhook(
        'https://x.test',
        undefined,
        [],
        0,
        (async () => new Response('no', { status: 503 })) as unknown as typeof fetch,
      ),
    ).toBe('HTTP 503')
    expect(
      await deliverWebhook('https://x.test', undefined, [], 0, (async () => {
        throw new Error('refused')
      }) as unknown as typeof fetch),
    ).toBe('refused')
  })
})
