import { env } from 'cloudflare:test'
import { afterEach, expect, it, vi } from 'vitest'
import { deliverAlerts, type RaisedAlerts } from '../../worker/src/alerts'
import { insertAlerts } from '../../worker/src/alerts/store'
import { api, newProject } from './fixtures'

afterEach(() => vi.restoreAllMocks())

const alert = (accountId: string) => ({
  kind: 'persistent_red' as const,
  accountId,
  reason: `${accountId} turned red`,
  payload: { account_id: accountId },
})

it('sends one webhook for a run whose shards each raised alerts, with every alert in it, and marks all delivered', async () => {
  const p = await newProject('alert-delivery')
  const settings = { alerts: { webhook_url: 'https://crm.example.com/hooks/uptake', secret: 'a-long-enough-secret' } }
  expect((await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify(settings) })).status).toBe(200)
  const now = Date.now()
  // three shards of one scoring run, each storing its own alerts (one raised none)
  const parts: RaisedAlerts[] = []
  for (const accounts of [['a1', 'a2'], [], ['a3']]) {
    const alerts = accounts.map(alert)
    parts.push({ ids: await insertAlerts(env.DB, p.id, alerts, now), alerts })
  }
  const fetch = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('ok'))
  await deliverAlerts(env.DB, p.id, parts, now)
  expect(fetch).toHaveBeenCalledTimes(1)
  const body = JSON.parse(String((fetch.mock.calls[0][1] as RequestInit).body)) as { alerts: { account_id: string }[] }
  expect(body.alerts.map((a) => a.account_id).sort()).toEqual(['a1', 'a2', 'a3'])
  const { results } = await env.DB.prepare('SELECT delivered_at, delivery_error FROM account_alerts WHERE project_id = ?1').bind(p.id).all()
  expect(results).toHaveLength(3)
  for (const r of results) expect(r).toMatchObject({ delivered_at: now, delivery_error: null })
})
