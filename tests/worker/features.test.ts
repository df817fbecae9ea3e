import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api, newProject, post, track } from './fixtures'

const put = (key: string, adminKey: string, body: unknown) =>
  api(`/features/${key}`, adminKey, { method: 'PUT', body: JSON.stringify(body) })

async function featureUses(projectId: string, key: string) {
  return env.DB.prepare('SELECT COALESCE(SUM(n), 0) AS n FROM user_feature_days WHERE project_id = ?1 AND feature_key = ?2')
    .bind(projectId, key)
    .first<number>('n')
}

describe('features registry', () => {
  it('tags events matching an event rule at ingest', async () => {
    const p = await newProject()
    expect(
      (
        await put('invoice.create', p.adminKey, {
          name: 'Create invoice',
          kind: 'value',
          rules: [{ match: 'event', event: 'Invoice Created' }],
        })
      ).status,
    ).toBe(201)
    await post('/v1/batch', { writeKey: p.writeKey, batch: [track('u1', 'Invoice Created', { properties: { amount: 120 } })] })
    expect(await featureUses(p.id, 'invoice.create')).toBe(1)
    const day = await env.DB.prepare('SELECT value_events, value_amount, meaningful FROM user_days WHERE project_id = ?1')
      .bind(p.id)
      .first()
    expect(day).toEqual({ value_events: 1, value_amount: 120, meaningful: 1 })
  })

  it('applies a rule added later to events already stored', async () => {
    const p = await newProject()
    await post('/v1/batch', { writeKey: p.writeKey, batch: [track('u1', 'Report Exported'), track('u2', 'Report Exported')] })
    expect(await featureUses(p.id, 'report.export')).toBe(0)
    const res = await put('report.export', p.adminKey, { name: 'Export report', rules: [{ match: 'event', event: 'Report Exported' }] })
    expect((await res.json<{ rebuild: { retagged: number; status: string } }>()).rebuild).toMatchObject({ retagged: 2, status: 'done' })
    expect(await featureUses(p.id, 'report.export')).toBe(2)
  })

  it('applies a click rule added later to stored raw clicks', async () => {
    const p = await newProject()
    const click = (selector: string, path: string) => track('u1', '$click', { properties: { selector, path, text: 'Export' } })
    await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [
        click('main > div.toolbar > button#export-csv', '/demo/reports'),
        click('main > button#export-csv', '/demo/other'),
        click('main > a.nav', '/demo/reports'),
      ],
    })
    await put('report.export', p.adminKey, {
      name: 'Export report',
      rules: [{ match: 'click', selector: '#export-csv', path: '/demo/reports' }],
    })
    expect(await featureUses(p.id, 'report.export')).toBe(1)
  })

  it('rejects an invalid feature with a 400 listing the problems', async () => {
    const p = await newProject()
    const res = await put('bad key!', p.adminKey, { name: '', kind: 'nope' })
    expect(res.status).toBe(400)
  })

  it('deletes a feature and untags its events', async () => {
    const p = await newProject()
    await put('x', p.adminKey, { name: 'X', rules: [{ match: 'event', event: 'X Done' }] })
    await post('/v1/batch', { writeKey: p.writeKey, batch: [track('u1', 'X Done')] })
    expect(await featureUses(p.id, 'x')).toBe(1)
    expect((await api('/features/x', p.adminKey, { method: 'DELETE' })).status).toBe(204)
    expect(await featureUses(p.id, 'x')).toBe(0)
    expect((await api('/features/x', p.adminKey)).status).toBe(404)
  })
})
