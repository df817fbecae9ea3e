import { createMessageBatch, env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import worker from '../../worker/src/index'
import { toMessages } from '../../worker/src/ingest/messages'
import { emptyFeatureIndex, trackTagger } from '../../worker/src/features/classify'
import { toEventRow } from '../../worker/src/ingest/normalize'
import {
  DEDUPE_KEYS_PER_STEP,
  DEDUPE_SCAN_PER_INSERT,
  purgeAfterWrite,
  purgeDedupeWindow,
  purgeExpiredEvents,
} from '../../worker/src/ingest/purge-store'
import { DEDUPE_DAYS } from '../../worker/src/ingest/raw-window'
import { newProject, track, type TestProject } from './fixtures'

const NOW = Date.parse('2026-03-20T12:00:00Z')
const FRESH = '2026-03-19'
/** Received more than DEDUPE_DAYS before NOW's day: expired. */
const OLD = '2026-03-01'

/** `n` dedupe keys `k000`…, every third one expired (received on OLD), the others fresh. */
async function seedKeys(p: TestProject, n: number) {
  const keys = Array.from({ length: n }, (_, i) => ({ id: `k${String(i).padStart(3, '0')}`, day: i % 3 === 0 ? OLD : FRESH }))
  await env.DB.batch(
    keys.map((k) =>
      env.DB.prepare("INSERT INTO event_ids (project_id, message_id, ingest_id, received_day) VALUES (?1, ?2, 'seed', ?3)").bind(
        p.id,
        k.id,
        k.day,
      ),
    ),
  )
  return keys
}

const remaining = async (p: TestProject) =>
  (
    await env.DB.prepare('SELECT message_id, received_day FROM event_ids WHERE project_id = ?1 ORDER BY message_id')
      .bind(p.id)
      .all<{ message_id: string; received_day: string }>()
  ).results

const cursorOf = (p: TestProject) =>
  env.DB.prepare('SELECT after_message_id AS a, passes FROM dedupe_purge_cursors WHERE project_id = ?1')
    .bind(p.id)
    .first<{ a: string; passes: number }>()

describe('the dedupe-key purge walks the keys in bounded windows', () => {
  it('deletes only expired keys, window by window, and starts a new pass at the end', async () => {
    const p = await newProject('purge-window')
    const keys = await seedKeys(p, 300)
    const steps: { deleted: number; passEnded: boolean; rowsRead: number }[] = []
    for (const size of [30, 100, 100, 100]) steps.push(await purgeDedupeWindow(env.DB, p.id, NOW, size))
    // windows k000–k029, k030–k129, k130–k229, then the last seventy: the pass ends there
    expect(steps.map((s) => s.deleted)).toEqual([10, 34, 33, 23])
    expect(steps.map((s) => s.passEnded)).toEqual([false, false, false, true])
    // bounded by the window (read for the cursor, again for the delete, plus the deleted rows), not the project's 300 keys
    expect(steps[0].rowsRead).toBeLessThanOrEqual(4 * 30)
    expect(await remaining(p)).toEqual(keys.filter((k) => k.day === FRESH).map((k) => ({ message_id: k.id, received_day: k.day })))
    expect(await cursorOf(p)).toEqual({ a: '', passes: 1 })
    // a new pass finds nothing more to delete
    expect((await purgeDedupeWindow(env.DB, p.id, NOW, 1000)).deleted).toBe(0)
  })

  it(`keeps a key ${DEDUPE_DAYS} days after its receipt day (exact dedupe window unchanged)`, async () => {
    const p = await newProject('purge-edge')
    const day = (d: number) => new Date(NOW - d * 86_400_000).toISOString().slice(0, 10)
    await env.DB.batch(
      [DEDUPE_DAYS, DEDUPE_DAYS + 1].map((d) =>
        env.DB.prepare("INSERT INTO event_ids (project_id, message_id, ingest_id, received_day) VALUES (?1, ?2, 's', ?3)").bind(
          p.id,
          `d${d}`,
          day(d),
        ),
      ),
    )
    await purgeDedupeWindow(env.DB, p.id, NOW, 100)
    expect((await remaining(p)).map((r) => r.message_id)).toEqual([`d${DEDUPE_DAYS}`])
  })

  it('the daily purge examines every key even when a consumer left the cursor mid-pass', async () => {
    const p = await newProject('purge-daily')
    await seedKeys(p, 90)
    await env.DB.prepare("INSERT INTO dedupe_purge_cursors (project_id, after_message_id, updated_at) VALUES (?1, 'k050', 0)")
      .bind(p.id)
      .run()
    await purgeExpiredEvents(env.DB, NOW)
    expect((await remaining(p)).filter((r) => r.received_day === OLD)).toEqual([])
    expect((await remaining(p)).length).toBe(60)
  })

  it('queue consumer writes walk on in proportion to the keys they insert: a small write steps now and then, over a larger window', async () => {
    const p = await newProject('purge-consumer')
    await seedKeys(p, 300)
    const deliver = async (n: number, tag: string) => {
      const now = Date.now()
      const events = Array.from({ length: n }, (_, i) => ({ ...track('u1', 'Report Exported'), messageId: `zz-${tag}-${i}` }))
      const rows = events.map((e) =>
        toEventRow(e as Parameters<typeof toEventRow>[0], {
          receivedAt: now,
          tagTrack: trackTagger(emptyFeatureIndex()),
          newId: () => crypto.randomUUID(),
        }),
      )
      const body = toMessages({ v: 1, projectId: p.id, receivedAt: now, trusted: false }, rows)[0]
      const batch = createMessageBatch('uptake-ingest', [{ id: `m-${tag}`, timestamp: new Date(), attempts: 1, body }])
      await worker.queue(batch as MessageBatch<unknown>, { ...env, INGEST_DIRECT: undefined } as typeof env)
    }
    // a 5-key write steps with probability 5 / DEDUPE_KEYS_PER_STEP: this one does not
    const random = vi.spyOn(Math, 'random').mockReturnValue(1 - 1e-9)
    await deliver(5, 'a')
    expect(await cursorOf(p)).toBeNull()
    expect((await remaining(p)).filter((r) => r.received_day === OLD)).toHaveLength(100)
    // this one does, over DEDUPE_SCAN_PER_INSERT keys per key of the DEDUPE_KEYS_PER_STEP inserted per step on average
    random.mockReturnValue(0)
    await deliver(5, 'b')
    random.mockRestore()
    expect(DEDUPE_KEYS_PER_STEP * DEDUPE_SCAN_PER_INSERT).toBeGreaterThan(310)
    const left = await remaining(p)
    expect(left.filter((r) => r.received_day === OLD)).toEqual([])
    expect(left.filter((r) => r.message_id.startsWith('zz-')).length).toBe(10)
    expect(await cursorOf(p)).toEqual({ a: '', passes: 1 })
  })
  it('steps after a write with probability inserted / DEDUPE_KEYS_PER_STEP, always for a large write, never for none', async () => {
    const p = await newProject('purge-odds')
    const step = (inserted: number, roll: number) => purgeAfterWrite(env.DB, p.id, inserted, NOW, () => roll)
    expect(await step(0, 0)).toBeNull()
    expect(await step(DEDUPE_KEYS_PER_STEP / 10, 0.099)).not.toBeNull()
    expect(await step(DEDUPE_KEYS_PER_STEP / 10, 0.1)).toBeNull()
    expect(await step(DEDUPE_KEYS_PER_STEP * 4, 0.999)).not.toBeNull()
  })
})
