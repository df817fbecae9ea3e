import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api, newProject } from './fixtures'
import { addMember, memberSecret, seedAccount, seedAlert } from './queue-fixtures'

const DAY = 86_400_000
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString().slice(0, 10)

interface AlertWire {
  id: number
  account_id: string
  status: string
  owner: string | null
  owner_member: { id: string; name: string } | null
  snoozed_until: string | null
  done_at: string | null
  account: {
    name: string
    score: number | null
    band: string | null
    arr: number | null
    renewal_date: string | null
    owner: string | null
  } | null
  priority: number
  priority_reasons: string[]
}

const list = async (key: string, query = '') => {
  const res = await api(`/alerts${query}`, key)
  expect(res.status).toBe(200)
  return (await res.json<{ alerts: AlertWire[] }>()).alerts
}
const patch = (key: string, id: number, body: unknown) => api(`/alerts/${id}`, key, { method: 'PATCH', body: JSON.stringify(body) })

/** Globex (red, 180k, renews in 20 days, Dana's), Initech (green, 12k, Sam's), Umbrella (yellow, no owner). */
async function seeded() {
  const p = await newProject('queue')
  const dana = await addMember(p.adminKey, 'Dana', 'dana@ledgerly.test')
  const sam = await addMember(p.adminKey, 'Sam', 'sam@ledgerly.test')
  await seedAccount(p.id, 'globex', { arr: 180_000, renewal_date: inDays(20), owner: 'Dana@Ledgerly.test' }, { score: 31, band: 'red' })
  await seedAccount(p.id, 'initech', { arr: 12_000, renewal_date: inDays(150), owner: sam.id }, { score: 82, band: 'green' })
  await seedAccount(p.id, 'umbrella', { arr: 'lots', owner: 42 }, { score: 55, band: 'yellow' })
  const ids = {
    initech: await seedAlert(p.id, 'initech', 'opportunity', 1000),
    globex: await seedAlert(p.id, 'globex', 'score_drop', 2000),
    umbrella: await seedAlert(p.id, 'umbrella', 'band_changed', 3000),
  }
  return { p, dana, sam, ids }
}

describe('alerts as a work queue', () => {
  it('enriches each alert with status, owner, account and priority, in the recommended order', async () => {
    const { p, dana, ids } = await seeded()
    const alerts = await list(p.readKey, '?status=active&order=recommended')
    // Umbrella's ARR is unreadable, so Initech's 12k and renewal outweigh its lower health
    expect(alerts.map((a) => a.account_id)).toEqual(['globex', 'initech', 'umbrella'])
    const globex = alerts[0]
    expect(globex).toMatchObject({
      id: ids.globex,
      status: 'open',
      owner: 'Dana@Ledgerly.test',
      owner_member: { id: dana.id, name: 'Dana' },
      snoozed_until: null,
      done_at: null,
      account: { name: 'Globex', score: 31, band: 'red', arr: 180_000, renewal_date: inDays(20), owner: 'Dana@Ledgerly.test' },
      priority_reasons: ['health 31', 'ARR 180k', 'renews in 20 days'],
    })
    // attributes of the wrong type read as missing
    expect(alerts[2].account).toMatchObject({ arr: null, owner: null })
    expect(alerts[2].owner).toBeNull()
    expect(alerts[0].priority).toBeGreaterThan(alerts[1].priority)
    // newest first stays the default
    expect((await list(p.readKey)).map((a) => a.account_id)).toEqual(['initech', 'globex', 'umbrella'])
  })

  it('filters by owner: me, a member id or email, none; and by account', async () => {
    const { p, dana, sam } = await seeded()
    const danaKey = await memberSecret(p.adminKey, dana.id, 'read')
    expect((await list(danaKey, '?owner=me')).map((a) => a.account_id)).toEqual(['globex'])
    expect((await list(p.readKey, `?owner=${sam.id}`)).map((a) => a.account_id)).toEqual(['initech'])
    expect((await list(p.readKey, '?owner=SAM@ledgerly.test')).map((a) => a.account_id)).toEqual(['initech'])
    expect((await list(p.readKey, '?owner=none')).map((a) => a.account_id)).toEqual(['umbrella'])
    expect((await list(p.readKey, '?account_id=globex')).map((a) => a.account_id)).toEqual(['globex'])
    // `me` with a project key: nobody to be
    const res = await api('/alerts?owner=me', p.readKey)
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('no_member')
  })

  it('assigns, snoozes, wakes and closes an alert; a note goes on the account, linked to the alert', async () => {
    const { p, sam, ids } = await seeded()
    const danaAdmin = await memberSecret(p.adminKey, (await list(p.readKey, '?account_id=globex'))[0].owner_member!.id, 'admin')
    let res = await patch(danaAdmin, ids.umbrella, { owner: 'sam@ledgerly.test', note: 'Sam knows their CTO' })
    expect(res.status).toBe(200)
    const body = await res.json<{
      alert: AlertWire
      note: { alert_id: number; account_id: string; author: { name: string }; body: string }
    }>()
    expect(body.alert).toMatchObject({ owner: sam.id, owner_member: { id: sam.id } })
    expect(body.note).toMatchObject({
      alert_id: ids.umbrella,
      account_id: 'umbrella',
      author: { name: 'Dana' },
      body: 'Sam knows their CTO',
    })
    expect((await list(p.readKey, '?owner=none')).map((a) => a.id)).toEqual([])
    const notes = await (await api('/accounts/umbrella/notes', p.readKey)).json<{ notes: { alert_id: number }[] }>()
    expect(notes.notes.map((n) => n.alert_id)).toEqual([ids.umbrella])

    const until = new Date(Date.now() + 3 * DAY).toISOString()
    res = await patch(p.adminKey, ids.globex, { snoozed_until: until })
    expect(res.status).toBe(200)
    expect((await res.json<{ alert: AlertWire }>()).alert).toMatchObject({ status: 'snoozed', snoozed_until: until })
    expect((await list(p.readKey, '?status=active')).map((a) => a.id)).not.toContain(ids.globex)
    expect((await list(p.readKey, '?status=snoozed')).map((a) => a.id)).toEqual([ids.globex])

    res = await patch(p.adminKey, ids.initech, { status: 'done' })
    expect((await res.json<{ alert: AlertWire }>()).alert.status).toBe('done')
    expect((await list(p.readKey, '?status=done')).map((a) => a.id)).toEqual([ids.initech])
    expect((await list(p.readKey, '?status=open')).map((a) => a.id)).toEqual([ids.umbrella])
    // back to the account's owner
    res = await patch(p.adminKey, ids.umbrella, { owner: null })
    expect((await res.json<{ alert: AlertWire }>()).alert.owner).toBeNull()
  })

  it('counts a snoozed alert whose time has passed as open', async () => {
    const { p, ids } = await seeded()
    await env.DB.prepare("UPDATE account_alerts SET status = 'snoozed', snoozed_until = ?3 WHERE project_id = ?1 AND id = ?2")
      .bind(p.id, ids.globex, Date.now() - 1000)
      .run()
    const active = await list(p.readKey, '?status=active')
    expect(active.find((a) => a.id === ids.globex)).toMatchObject({ status: 'open', snoozed_until: null })
    expect(await list(p.readKey, '?status=snoozed')).toEqual([])
  })

  it('refuses bad changes with a 400 JSON error, a read key with 403, and keeps the alert as it was', async () => {
    const { p, ids } = await seeded()
    const bad = [
      {},
      { status: 'closed' },
      { status: 'snoozed' },
      { snoozed_until: new Date(Date.now() - DAY).toISOString() },
      { snoozed_until: new Date(Date.now() + 400 * DAY).toISOString() },
      { status: 'done', snoozed_until: new Date(Date.now() + DAY).toISOString() },
      { owner: 'nobody@x.test' },
      { note: '' },
      { note: 'x'.repeat(4001) },
      { status: 'done', priority: 1 },
    ]
    for (const body of bad) {
      const res = await patch(p.adminKey, ids.globex, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect((await res.json<{ error: { code: string } }>()).error.code).toBeTruthy()
    }
    expect((await patch(p.readKey, ids.globex, { status: 'done' })).status).toBe(403)
    expect((await api('/alerts?status=later', p.readKey)).status).toBe(400)
    expect((await api('/alerts?order=best', p.readKey)).status).toBe(400)
    expect((await api('/alerts/abc', p.adminKey, { method: 'PATCH', body: '{"status":"done"}' })).status).toBe(400)
    const [globex] = await list(p.readKey, '?account_id=globex')
    expect(globex).toMatchObject({ status: 'open', owner: 'Dana@Ledgerly.test' })
    expect((await (await api('/accounts/globex/notes', p.readKey)).json<{ notes: unknown[] }>()).notes).toEqual([])
  })

  it("gives another project's keys nothing: its list is empty and a PATCH is a 404", async () => {
    const { p, ids } = await seeded()
    const q = await newProject('queue')
    expect(await list(q.readKey, '?status=active')).toEqual([])
    expect(await list(q.readKey, '?account_id=globex')).toEqual([])
    expect((await patch(q.adminKey, ids.globex, { status: 'done' })).status).toBe(404)
    expect((await list(p.readKey, '?account_id=globex'))[0].status).toBe('open')
  })

  it('takes a Slack format for the alert webhook beside the generic default, and refuses others', async () => {
    const p = await newProject('queue')
    const put = (alerts: unknown) => api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ alerts }) })
    let res = await put({ webhook_url: 'https://hooks.slack.com/services/T0/B0/x' })
    expect((await res.json<{ settings: { alerts: { format: string } } }>()).settings.alerts.format).toBe('generic')
    res = await put({ webhook_url: 'https://hooks.slack.com/services/T0/B0/x', format: 'slack' })
    expect(res.status).toBe(200)
    expect((await (await api('/settings', p.readKey)).json<{ settings: { alerts: { format: string } } }>()).settings.alerts.format).toBe(
      'slack',
    )
    expect((await put({ format: 'teams' })).status).toBe(400)
  })
})
