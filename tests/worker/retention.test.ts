import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { writeIngest } from '../../worker/src/ingest/store'
import { purgeExpiredEvents } from '../../worker/src/ingest/purge-store'
import { emptyFeatureIndex, trackTagger } from '../../worker/src/features/classify'
import { toEventRow } from '../../worker/src/ingest/normalize'
import { planIngest } from '../../worker/src/ingest/plan'
import { newProject, track } from './fixtures'

describe('raw event retention', () => {
  it('deletes raw events older than 90 days and keeps their rollups', async () => {
    const p = await newProject()
    const now = Date.now()
    const old = new Date(now - 100 * 86_400_000).toISOString()
    const recent = new Date(now - 10 * 86_400_000).toISOString()
    // written below the HTTP API: no endpoint accepts an event already past the raw window
    const rows = [track('u1', 'Old', { timestamp: old }), track('u1', 'Recent', { timestamp: recent })].map((e) =>
      toEventRow(e as Parameters<typeof toEventRow>[0], {
        receivedAt: now,
        tagTrack: trackTagger(emptyFeatureIndex()),
        newId: () => crypto.randomUUID(),
      }),
    )
    await writeIngest(env.DB, p.id, planIngest(rows), now)
    expect(await purgeExpiredEvents(env.DB, now)).toBeGreaterThanOrEqual(1)
    const names = await env.DB.prepare('SELECT name FROM events WHERE project_id = ?1').bind(p.id).all<{ name: string }>()
    expect(names.results.map((r) => r.name)).toEqual(['Recent'])
    const rolled = await env.DB.prepare('SELECT SUM(n) AS n FROM user_event_days WHERE project_id = ?1').bind(p.id).first('n')
    expect(rolled).toBe(2)
  })
})
