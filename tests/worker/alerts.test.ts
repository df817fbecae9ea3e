import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { ALERT_KINDS } from '../../shared/constants'
import worker from '../../worker/src/index'
import { api, basic, newProject, post } from './fixtures'

const DAY = 86_400_000
const at = (d: number) => new Date(Date.now() - d * DAY + 3600_000).toISOString()

/** The daily Cron Trigger as it ran `d` days ago: a live run (backfills through the API raise no alerts). */
async function dailyCron(d: number) {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now() - d * DAY, cron: '17 3 * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

describe('CS alerts from the daily run', () => {
  it('raises band, drop and renewal alerts once and stores them', async () => {
    const p = await newProject('alerts')
    await api('/features/f1', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ name: 'F1', core: true, rules: [{ match: 'event', event: 'F1 Used' }] }),
    })
    // no webhook here: outbound fetch is not available inside the test runtime (delivery has its own unit test)
    const settings = { alerts: { cooldown_days: 7 } }
    expect((await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify(settings) })).status).toBe(200)
    const batch: Record<string, unknown>[] = []
    for (let u = 0; u < 3; u++) {
      batch.push({
        type: 'group',
        messageId: crypto.randomUUID(),
        userId: `f${u}`,
        groupId: 'fade',
        timestamp: at(90),
        traits: { name: 'Fade Co', seats: 3, renewal_date: at(-45).slice(0, 10) },
      })
      for (let d = 31; d <= 89; d++)
        batch.push({
          type: 'track',
          messageId: crypto.randomUUID(),
          userId: `f${u}`,
          event: 'F1 Used',
          timestamp: at(d),
          context: { groupId: 'fade' },
        })
    }
    // 90 days of history: imported with the admin key (the write key takes 30 days)
    for (let i = 0; i < batch.length; i += 400)
      expect((await post('/v1/import', { batch: batch.slice(i, i + 400) }, basic(p.adminKey))).status).toBe(200)
    // busy until 31 days ago, silent since: the daily job on five days; red is confirmed on its second day
    for (const d of [31, 30, 7, 1, 0]) await dailyCron(d)
    const res = await api('/alerts?days=60', p.readKey)
    expect(res.status).toBe(200)
    const { alerts } = await res.json<{
      alerts: {
        account_id: string
        kind: string
        reason: string
        payload: Record<string, unknown>
        created_at: string
        delivery_error: string | null
        delivered_at: string | null
      }[]
    }>()
    const kinds = alerts.map((a) => a.kind)
    expect(kinds).toContain('band_changed')
    expect(kinds).toContain('score_drop')
    expect(kinds).toContain('renewal_risk')
    // cooldown: one alert per account and kind (per rule for indicators) across all five runs
    expect(kinds.filter((k) => k === 'band_changed')).toHaveLength(1)
    expect(kinds.filter((k) => k === 'score_drop')).toHaveLength(1)
    expect(new Set(alerts.map((a) => `${a.kind}:${a.reason}`)).size).toBe(alerts.length)
    expect(alerts.every((a) => a.account_id === 'fade' && a.delivered_at === null && a.delivery_error === null)).toBe(true)
    expect(
      alerts.every((a) => a.payload.account_id === 'fade' && a.payload.kind === a.kind && !Number.isNaN(Date.parse(a.created_at))),
    ).toBe(true)
    expect((await api('/alerts?kind=nope', p.readKey)).status).toBe(400)
  })

  it('keeps one list of alert kinds: the kind filter takes each, and the store CHECK lists exactly those', async () => {
    const p = await newProject('alert-kinds')
    for (const kind of ALERT_KINDS) expect((await api(`/alerts?kind=${kind}`, p.readKey)).status).toBe(200)
    const sql = await env.DB.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'account_alerts'").first<string>('sql')
    const check = /kind TEXT NOT NULL CHECK \(kind IN \(([^)]*)\)\)/.exec(sql ?? '')?.[1] ?? ''
    expect([...check.matchAll(/'([^']+)'/g)].map((m) => m[1])).toEqual([...ALERT_KINDS])
  })

  it('accepts an https webhook with a secret and refuses a webhook that is not an http(s) URL', async () => {
    const p = await newProject('alerts-bad')
    const ok = await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ alerts: { webhook_url: 'https://crm.example.com/hooks/uptake', secret: 'a-long-enough-secret' } }),
    })
    expect(ok.status).toBe(200)
    const res = await api('/settings', p.adminKey, {
      method: 'PUT',
      body: JSON.stringify({ alerts: { webhook_url: 'javascript:alert(1)' } }),
    })
    expect(res.status).toBe(400)
  })
})
