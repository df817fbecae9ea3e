import { env, SELF } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject } from '../tests/worker/fixtures'
import { writeIngest } from '../worker/src/ingest/store'
import { emptyFeatureIndex, trackTagger } from '../worker/src/features/classify'
import { toEventRow } from '../worker/src/ingest/normalize'
import { planIngest } from '../worker/src/ingest/plan'
import type { UptakeEvent } from '../shared/events'

const BATCH = 50
const ROUNDS = 60

/** A widget batch comes from one user; a backend batch (Segment server library) from many: `users` per batch. */
function batchOf(round: number, users = BATCH): UptakeEvent[] {
  return Array.from({ length: BATCH }, (_, i) => ({
    type: 'track' as const,
    messageId: `bench-${round}-${i}-${crypto.randomUUID()}`,
    userId: `user-${(round * 7 + (i % users)) % 400}`,
    event: ['Invoice Created', 'Customer Added', 'Report Exported', 'Signed In'][i % 4],
    properties: { amount: i * 10, plan: 'team' },
    context: { groupId: `acct-${i % 40}`, app: { version: '3.2.0' } },
    timestamp: new Date(Date.now() - i * 1000).toISOString(),
  }))
}

const RAW_TABLE = `CREATE TABLE IF NOT EXISTS bench_raw_events (project_id TEXT, message_id TEXT, type TEXT, kind TEXT, name TEXT,
  user_id TEXT, anonymous_id TEXT, account_id TEXT, feature_key TEXT, amount REAL, meaningful INTEGER, active_seconds INTEGER,
  app_version TEXT, ts INTEGER, received_at INTEGER, properties_json TEXT, context_json TEXT, PRIMARY KEY (project_id, message_id))`

/** The same rows, inserted as plainly as D1 allows: one prepared INSERT per row in one batch, no validation, no rollups. */
async function rawInsert(events: UptakeEvent[]) {
  const now = Date.now()
  const rows = events.map((e) =>
    toEventRow(e, { receivedAt: now, tagTrack: trackTagger(emptyFeatureIndex()), newId: () => crypto.randomUUID() }),
  )
  const stmt = env.DB.prepare(
    `INSERT INTO bench_raw_events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)`,
  )
  await env.DB.batch(
    rows.map((r) =>
      stmt.bind(
        'bench',
        r.messageId,
        r.type,
        r.kind,
        r.name,
        r.userId,
        r.anonymousId,
        r.accountId,
        r.featureKey,
        r.amount,
        r.meaningful ? 1 : 0,
        r.activeSeconds,
        r.appVersion,
        r.ts,
        now,
        JSON.stringify(r.properties),
        JSON.stringify(r.context),
      ),
    ),
  )
}

it('measures /v1/batch ingest against a raw D1 insert of the same rows', async () => {
  const p = await newProject('bench')
  await env.DB.prepare(RAW_TABLE).run()
  let ingestMs = 0
  let rawMs = 0
  // interleaved so machine noise hits both sides alike
  for (let round = -5; round < ROUNDS; round++) {
    const events = batchOf(round)
    const body = JSON.stringify({ writeKey: p.writeKey, batch: events })
    let t = performance.now()
    const res = await SELF.fetch('http://bench/v1/batch', { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    const a = performance.now() - t
    t = performance.now()
    await rawInsert(events.map((e) => ({ ...e, messageId: `raw-${e.messageId}` })))
    const b = performance.now() - t
    if (round >= 0) {
      ingestMs += a
      rawMs += b
    }
  }
  // rows written per 1,000 events, as D1 bills them (indexes and trigger rollups included)
  const rowsWritten = async (users: number) => {
    let n = 0
    for (let round = 0; round < 20; round++) {
      const rows = batchOf(1000 + round * 3 + users, users).map((e) =>
        toEventRow(e, { receivedAt: Date.now(), tagTrack: trackTagger(emptyFeatureIndex()), newId: () => crypto.randomUUID() }),
      )
      n += (await writeIngest(env.DB, p.id, planIngest(rows), Date.now())).rowsWritten
    }
    return Math.round((n / (20 * BATCH)) * 1000)
  }
  const events = ROUNDS * BATCH
  const result = {
    batch_size: BATCH,
    events,
    ingest_events_per_s: Math.round(events / (ingestMs / 1000)),
    raw_insert_events_per_s: Math.round(events / (rawMs / 1000)),
    ingest_vs_raw_ratio: +(rawMs / ingestMs).toFixed(3),
    d1_rows_written_per_1000_events_widget_batches: await rowsWritten(1),
    d1_rows_written_per_1000_events_backend_batches_50_users: await rowsWritten(BATCH),
  }
  console.log(`BENCH ingest ${JSON.stringify(result)}`)
  expect(result.ingest_events_per_s).toBeGreaterThan(0)
})

/**
 * Issue 8.17: a batch whose events span weeks, in a project that already holds many raw events. The rollup
 * step used to read every project event between the batch's oldest and newest timestamps; it now looks up
 * the request's own rows by primary key, so rows read follow the batch, not the project.
 */
it('measures ingest of wide-time-range batches as a project grows', async () => {
  const now = Date.now()
  const rows = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) =>
      toEventRow(
        {
          type: 'track',
          messageId: `${prefix}-${i}`,
          userId: `user-${i % 400}`,
          event: 'Invoice Created',
          timestamp: new Date(now - ((i * 29) / n) * 86_400_000).toISOString(),
        },
        { receivedAt: now, tagTrack: trackTagger(emptyFeatureIndex()), newId: () => crypto.randomUUID() },
      ),
    )
  const result: Record<string, { stored_events: number; rollup_rows_read_per_batch: number; ms_per_batch: number }> = {}
  const p = await newProject('bench-wide')
  let stored = 0
  for (const target of [0, 20_000, 80_000]) {
    for (; stored < target; stored += 500) await writeIngest(env.DB, p.id, planIngest(rows(500, `hist-${stored}`)), now)
    let read = 0
    const t = performance.now()
    for (let b = 0; b < 10; b++) read += (await writeIngest(env.DB, p.id, planIngest(rows(50, `wide-${target}-${b}`)), now)).rollupRowsRead
    result[`project_${target}_events`] = {
      stored_events: target,
      rollup_rows_read_per_batch: Math.round(read / 10),
      ms_per_batch: +((performance.now() - t) / 10).toFixed(1),
    }
  }
  console.log(`BENCH ingest_wide_batches ${JSON.stringify(result)}`)
  expect(Object.keys(result)).toHaveLength(3)
})
