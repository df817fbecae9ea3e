import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { purgeExpiredEvents } from '../../worker/src/db/retention'
import { newProject, post, track } from './fixtures'

describe('raw event retention', () => {
  it('deletes raw events older than 90 days and keeps their rollups', async () => {
    const p = await newProject()
    const now = Date.now()
    const old = new Date(now - 100 * 86_400_000).toISOString()
    const recent = new Date(now - 10 * 86_400_000).toISOString()
    await post('/v1/batch', { writeKey: p.writeKey, batch: [track('u1', 'Old', { timestamp: old }), track('u1', 'Recent', { timestamp: recent })] })
    expect(await purgeExpiredEvents(env.DB, now)).toBeGreaterThanOrEqual(1)
    const names = await env.DB.prepare('SELECT name FROM events WHERE project_id = ?1').bind(p.id).all<{ name: string }>()
    expect(names.results.map((r) => r.name)).toEqual(['Recent'])
    const rolled = await env.DB.prepare('SELECT SUM(n) AS n FROM user_event_days WHERE project_id = ?1').bind(p.id).first('n')
    expect(rolled).toBe(2)
  })
})
