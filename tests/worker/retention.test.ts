import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { writeIngest } from '../../worker/src/ingest/store'
import { purgeExpiredEvents } from '../../worker/src/ingest/purge-store'
import { ingest } from '../../worker/src/ingest/queue'
import { DEDUPE_DAYS } from '../../worker/src/ingest/raw-window'
import { emptyFeatureIndex, trackTagger } from '../../worker/src/features/classify'
import { toEventRow } from '../../worker/src/ingest/normalize'
import { planIngest } from '../../worker/src/ingest/plan'
import { archivedEvents, basic, newProject, track, type TestProject } from './fixtures'

const DAY = 86_400_000

const rowsOf = (events: Record<string, unknown>[], now: number) =>
  events.map((e) =>
    toEventRow(e as Parameters<typeof toEventRow>[0], {
      receivedAt: now,
      tagTrack: trackTagger(emptyFeatureIndex()),
      newId: () => crypto.randomUUID(),
    }),
  )

const rolled = (p: TestProject, name: string) =>
  env.DB.prepare('SELECT COALESCE(SUM(n), 0) AS n FROM user_event_days WHERE project_id = ?1 AND name = ?2')
    .bind(p.id, name)
    .first<number>('n')

describe('raw event retention', () => {
  it('deletes hot system events older than 90 days and keeps their rollups; other events never enter the table', async () => {
    const p = await newProject()
    const now = Date.now()
    const old = new Date(now - 100 * DAY).toISOString()
    const recent = new Date(now - 10 * DAY).toISOString()
    // written below the HTTP API: no endpoint accepts an event already past the raw window
    const rows = rowsOf(
      [
        track('u1', '$nudge_shown', { timestamp: old, properties: { nudge: 'tip' } }),
        track('u1', '$nudge_dismissed', { timestamp: recent, properties: { nudge: 'tip' } }),
        track('u1', 'Report Exported', { timestamp: recent }),
      ],
      now,
    )
    await writeIngest(env.DB, p.id, planIngest(rows), now)
    expect(await purgeExpiredEvents(env.DB, now)).toBeGreaterThanOrEqual(1)
    const names = await env.DB.prepare('SELECT name FROM events WHERE project_id = ?1').bind(p.id).all<{ name: string }>()
    expect(names.results.map((r) => r.name)).toEqual(['$nudge_dismissed'])
    const total = await env.DB.prepare('SELECT SUM(n) AS n FROM user_event_days WHERE project_id = ?1').bind(p.id).first('n')
    expect(total).toBe(3)
  })

  it(`keeps dedupe keys ${DEDUPE_DAYS} days after their receipt day and purges them the day after`, async () => {
    const p = await newProject()
    const now = Date.parse('2026-03-10T12:00:00Z')
    const rows = rowsOf([track('u1', 'Kept'), track('u1', 'Dropped')], now)
    await writeIngest(env.DB, p.id, planIngest(rows.slice(0, 1)), now)
    await writeIngest(env.DB, p.id, planIngest(rows.slice(1)), now - DAY)
    const keys = () =>
      env.DB.prepare('SELECT message_id FROM event_ids WHERE project_id = ?1 ORDER BY received_day')
        .bind(p.id)
        .all<{ message_id: string }>()
        .then((r) => r.results.map((x) => x.message_id))
    // 2026-03-18: the key received on 03-10 is 8 days old and stays, the one of 03-09 goes
    await purgeExpiredEvents(env.DB, Date.parse('2026-03-18T23:00:00Z'))
    expect(await keys()).toEqual([rows[0].messageId])
    await purgeExpiredEvents(env.DB, Date.parse('2026-03-19T00:30:00Z'))
    expect(await keys()).toEqual([])
  })
})

describe('the dedupe window', () => {
  // the client's retry of the same batch (same messageId), sent at `receivedAt` with a clock that agrees
  const send = (p: TestProject, event: Record<string, unknown>, receivedAt: number) =>
    ingest(
      env,
      JSON.stringify({ sentAt: new Date(receivedAt).toISOString(), batch: [event] }),
      basic(p.writeKey).authorization,
      undefined,
      receivedAt,
    ).catch((e: Error) => e)

  it('deduplicates a retry 3 days after the first receipt, after the daily purge ran', async () => {
    const p = await newProject()
    const now = Date.now()
    const event = track('u', 'Invoice Paid', { messageId: 'retry-3d', timestamp: new Date(now).toISOString() })
    expect(await send(p, event, now)).toMatchObject({ accepted: 1, duplicates: 0 })
    await purgeExpiredEvents(env.DB, now + 3 * DAY)
    expect(await send(p, event, now + 3 * DAY)).toMatchObject({ accepted: 0, duplicates: 1 })
    expect(await rolled(p, 'Invoice Paid')).toBe(1)
    expect((await archivedEvents(p.id)).filter((e) => e.message_id === 'retry-3d')).toHaveLength(1)
  })

  it('counts a retry 9 days later again while its event time is inside the 30-day live window (the documented limit)', async () => {
    const p = await newProject()
    const now = Date.now()
    const event = track('u', 'Invoice Paid', { messageId: 'retry-9d', timestamp: new Date(now).toISOString() })
    expect(await send(p, event, now)).toMatchObject({ accepted: 1 })
    await purgeExpiredEvents(env.DB, now + 9 * DAY)
    expect(await send(p, event, now + 9 * DAY)).toMatchObject({ accepted: 1, duplicates: 0 })
    expect(await rolled(p, 'Invoice Paid')).toBe(2)
  })

  it('rejects a retry 9 days later whose event time has left the live window: counted once', async () => {
    const p = await newProject()
    const now = Date.now()
    const event = track('u', 'Invoice Paid', { messageId: 'retry-old', timestamp: new Date(now - 25 * DAY).toISOString() })
    expect(await send(p, event, now)).toMatchObject({ accepted: 1 })
    await purgeExpiredEvents(env.DB, now + 9 * DAY)
    expect(await send(p, event, now + 9 * DAY)).toMatchObject({ status: 400, code: 'no_valid_events' })
    expect(await rolled(p, 'Invoice Paid')).toBe(1)
  })
})
