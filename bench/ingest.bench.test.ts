import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject } from '../tests/worker/fixtures'
import worker from '../worker/src/index'
import type { Bindings } from '../worker/src/http/env'
import { writeIngest } from '../worker/src/ingest/store'
import { emptyFeatureIndex, trackTagger } from '../worker/src/features/classify'
import { acceptIngest } from '../worker/src/ingest/ingest'
import { toMessages, type IngestMessage } from '../worker/src/ingest/messages'
import { toEventRow } from '../worker/src/ingest/normalize'
import { planIngest } from '../worker/src/ingest/plan'
import type { UptakeEvent } from '../shared/events'
import { meterD1 } from './d1-meter'

const BATCH = 50

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

/** The widget's flush size (widget/src/delivery.ts `batchSize`). */
const WIDGET_BATCH = 20
/** Requests per edge round, drained as one consumer batch (the queue groups up to max_batch_size = 100). */
const REQUESTS_PER_ROUND = 20
const THROUGHPUT_ROUNDS = 20

/**
 * A widget flush: one signed-in user's session slice in one account — page views, raw clicks, feature tracks
 * and an engaged-time ping — `seq` numbering the user's flushes.
 */
function widgetBatch(user: number, seq: number, n = WIDGET_BATCH): UptakeEvent[] {
  const userId = `wuser-${user}`
  const context = { groupId: `wacct-${user % 40}`, page: { path: '/invoices' }, app: { version: '3.2.0' } }
  const at = (i: number) => new Date(Date.now() - (n - i) * 1000).toISOString()
  return Array.from({ length: n }, (_, i): UptakeEvent => {
    const base = {
      messageId: `w-${user}-${seq}-${i}-${crypto.randomUUID()}`,
      userId,
      anonymousId: `anon-${user}`,
      context,
      timestamp: at(i),
    }
    const slot = i % 10
    if (slot === 0) return { ...base, type: 'page', name: 'Invoices', properties: { path: '/invoices', title: 'Invoices' } }
    if (slot <= 5)
      return {
        ...base,
        type: 'track',
        event: '$click',
        properties: { selector: 'main > div.toolbar > button', text: 'New invoice', path: '/invoices' },
      }
    if (slot <= 7) return { ...base, type: 'track', event: 'Invoice Created', properties: { amount: 120, plan: 'team' } }
    if (slot === 8) return { ...base, type: 'track', event: 'Report Exported', properties: {} }
    return { ...base, type: 'track', event: '$engaged', properties: { seconds: 30 } }
  })
}

/** Widget traffic: request k comes from one of 50 live sessions, each flushing in turn. */
const widgetRequest = (round: number, k: number) => widgetBatch((round * 13 + k) % 50, round * 1000 + k)
/** Backend traffic: a server library's batch of 50 events over 50 of 400 users, each user in its one account. */
function backendRequest(round: number, k: number): UptakeEvent[] {
  return batchOf(round * 100 + k).map((e) => ({ ...e, context: { ...e.context, groupId: `acct-${Number(e.userId!.slice(5)) % 40}` } }))
}
const SHAPES = { widget: widgetRequest, backend: backendRequest } as const
type Shape = keyof typeof SHAPES

/** The worker's own fetch with the bench env (the queue binding in place); the edge half of ingest. */
async function edgePost(benchEnv: Bindings, writeKey: string, events: UptakeEvent[]) {
  const req = new Request('http://bench/v1/batch', {
    method: 'POST',
    body: JSON.stringify({ writeKey, batch: events }),
    headers: { 'content-type': 'text/plain' },
  })
  const res = await worker.fetch!(req as Request<unknown, IncomingRequestCfProperties>, benchEnv, createExecutionContext())
  expect(res.status).toBe(200)
  await res.arrayBuffer()
}

/** A real queue binding that also keeps what the edge sent, so the drain half replays the very same messages. */
function capturingQueue(real: Queue) {
  const sent: IngestMessage[] = []
  const queue = {
    async send(body: IngestMessage, options?: QueueSendOptions) {
      sent.push(body)
      await real.send(body, options)
    },
    async sendBatch(messages: Iterable<MessageSendRequest<IngestMessage>>, options?: QueueSendBatchOptions) {
      const list = [...messages]
      for (const m of list) sent.push(m.body)
      await real.sendBatch(list, options)
    },
  } as unknown as Queue
  return { queue, sent }
}

let queueMessageSeq = 0
/** One consumer invocation over `messages` through the worker's queue handler, as Queues would deliver it; all must be acked. */
async function drainBatch(messages: IngestMessage[], drainEnv: Bindings) {
  const batch = createMessageBatch<IngestMessage>(
    'uptake-ingest',
    messages.map((body) => ({ id: `bench-msg-${++queueMessageSeq}`, timestamp: new Date(), attempts: 1, body })),
  )
  const ctx = createExecutionContext()
  // the handler takes no ExecutionContext (nothing is left to waitUntil); getQueueResult reads the acks
  await worker.queue(batch as MessageBatch<unknown>, drainEnv)
  const result = await getQueueResult(batch, ctx)
  expect(result.explicitAcks.length).toBe(messages.length)
}

const retarget = (messages: IngestMessage[], projectId: string) => messages.map((m) => ({ ...m, projectId }))
const withPrefix = (events: UptakeEvent[], prefix: string) => events.map((e) => ({ ...e, messageId: `${prefix}-${e.messageId}` }))

/**
 * Issue 13: the queue-fronted path, interleaved round by round so machine noise hits every side alike:
 * the edge (auth, validation, one real queue send per request), the consumer draining those very messages
 * (20 per consumer batch: tagging, R2 archive, D1 dedupe + rollups), and a bare insert of the same rows.
 */
it('measures edge accept and queue drain against a bare insert of the same rows', async () => {
  const edge = await newProject('bench-edge')
  const drain = await newProject('bench-drain')
  await env.DB.prepare(RAW_TABLE).run()
  const { queue, sent } = capturingQueue((env as unknown as { BENCH_EDGE_QUEUE: Queue }).BENCH_EDGE_QUEUE)
  const edgeEnv = { ...env, INGEST_QUEUE: queue } as unknown as Bindings
  const drainEnv = env as unknown as Bindings
  const zero = () => ({ events: 0, edgeMs: 0, drainMs: 0, rawMs: 0, rawBatchedMs: 0 })
  const sums: Record<Shape, ReturnType<typeof zero>> = { widget: zero(), backend: zero() }
  let drained = 0
  for (let round = -2; round < THROUGHPUT_ROUNDS; round++) {
    for (const shape of Object.keys(SHAPES) as Shape[]) {
      const requests = Array.from({ length: REQUESTS_PER_ROUND }, (_, k) => SHAPES[shape](round + 1000, k))
      sent.length = 0
      let t = performance.now()
      for (const events of requests) await edgePost(edgeEnv, edge.writeKey, events)
      const edgeMs = performance.now() - t
      const messages = retarget(sent.splice(0), drain.id)
      expect(messages).toHaveLength(REQUESTS_PER_ROUND)
      t = performance.now()
      await drainBatch(messages, drainEnv)
      const drainMs = performance.now() - t
      t = performance.now()
      for (const events of requests) await rawInsert(withPrefix(events, `raw-${round}`))
      const rawMs = performance.now() - t
      t = performance.now()
      await rawInsert(withPrefix(requests.flat(), `rawb-${round}`))
      const rawBatchedMs = performance.now() - t
      const events = requests.reduce((n, r) => n + r.length, 0)
      drained += events
      if (round < 0) continue
      const s = sums[shape]
      s.events += events
      s.edgeMs += edgeMs
      s.drainMs += drainMs
      s.rawMs += rawMs
      s.rawBatchedMs += rawBatchedMs
    }
  }
  // exact: every drained event stored once, counted once in the rollups
  const stored = await env.DB.prepare('SELECT COUNT(*) AS n FROM event_ids WHERE project_id = ?1').bind(drain.id).first<number>('n')
  const counted = await env.DB.prepare('SELECT SUM(events) AS n FROM user_days WHERE project_id = ?1').bind(drain.id).first<number>('n')
  expect(stored).toBe(drained)
  expect(counted).toBe(drained)
  const perS = (events: number, ms: number) => Math.round(events / (ms / 1000))
  const result: Record<string, unknown> = {
    requests_per_consumer_batch: REQUESTS_PER_ROUND,
    rounds: THROUGHPUT_ROUNDS,
    stored_exactly_once: stored === drained && counted === drained,
  }
  for (const shape of Object.keys(SHAPES) as Shape[]) {
    const s = sums[shape]
    result[shape] = {
      events_per_request: shape === 'widget' ? WIDGET_BATCH : BATCH,
      events: s.events,
      edge_accepted_events_per_s: perS(s.events, s.edgeMs),
      drained_events_per_s: perS(s.events, s.drainMs),
      // one request after another through both halves: a floor, since the edge and the consumer run apart
      serial_edge_plus_drain_events_per_s: perS(s.events, s.edgeMs + s.drainMs),
      raw_insert_events_per_s: perS(s.events, s.rawMs),
      raw_insert_one_batch_per_consumer_batch_events_per_s: perS(s.events, s.rawBatchedMs),
      edge_vs_raw_ratio: +(s.rawMs / s.edgeMs).toFixed(3),
      drain_vs_raw_ratio: +(s.rawMs / s.drainMs).toFixed(3),
      serial_vs_raw_ratio: +(s.rawMs / (s.edgeMs + s.drainMs)).toFixed(3),
      drain_vs_raw_batched_ratio: +(s.rawBatchedMs / s.drainMs).toFixed(3),
    }
  }
  console.log(`BENCH ingest ${JSON.stringify(result)}`)
})

/**
 * What D1 bills per 1,000 events for everything the consumer writes (event_ids dedupe, rollups, users,
 * accounts, user contexts, hot events), measured from D1's own meta on every statement, at 1 and 100
 * messages per consumer batch; plus the resend of a stored batch and the later event_ids purge.
 */
it('measures D1 rows written per 1,000 events by the queue consumer', async () => {
  const REQUESTS = 200
  const cost = async (name: string, request: (k: number) => UptakeEvent[], perBatch: number) => {
    const p = await newProject(`bench-rows-${name}-${perBatch}`)
    const receivedAt = Date.now()
    const messages: IngestMessage[] = []
    for (let k = 0; k < REQUESTS; k++) {
      const accepted = await acceptIngest(env.DB, JSON.stringify({ writeKey: p.writeKey, batch: request(k) }), undefined)
      messages.push(...toMessages({ v: 1, projectId: accepted.projectId, receivedAt, trusted: accepted.trusted }, accepted.rows))
    }
    const events = messages.reduce((n, m) => n + m.rows.length, 0)
    const meter = meterD1(env.DB)
    let puts = 0
    const archive = { put: (...args: Parameters<R2Bucket['put']>) => (puts++, env.RAW_EVENTS.put(...args)) } as unknown as R2Bucket
    const meteredEnv = { ...env, DB: meter.db, RAW_EVENTS: archive } as unknown as Bindings
    for (let i = 0; i < messages.length; i += perBatch) await drainBatch(messages.slice(i, i + perBatch), meteredEnv)
    const per1000 = (n: number) => Math.round((n / events) * 1000)
    const out = {
      rows_written_per_1000_events: per1000(meter.rowsWritten),
      rows_read_per_1000_events: per1000(meter.rowsRead),
      statements_per_1000_events: per1000(meter.statements),
      r2_puts_per_1000_events: per1000(puts),
      rows_written_per_1000_events_by_table: Object.fromEntries(Object.entries(meter.byTable).map(([t, n]) => [t, per1000(n)])),
    }
    return { p, messages, events, out }
  }
  const widget = (k: number) => widgetRequest(2000, k)
  const backend = (k: number) => backendRequest(2000, k)
  // the shapes behind the previous 4,040 and 9,800: 50 events of one user, or of 50 users, each event in one of 40
  // accounts (so a user moves between accounts from one request to the next)
  const legacyWidget = (k: number) => batchOf(3000 + k, 1)
  const legacyBackend = (k: number) => batchOf(4000 + k)
  const result: Record<string, unknown> = { requests: REQUESTS }
  for (const perBatch of [1, 100]) {
    result[`widget_${WIDGET_BATCH}_events_1_user_per_request_${perBatch}_per_consumer_batch`] = (await cost('widget', widget, perBatch)).out
    const b = await cost('backend', backend, perBatch)
    result[`backend_50_events_50_users_per_request_${perBatch}_per_consumer_batch`] = b.out
    if (perBatch !== 100) continue
    // a client's resend (or a queue redelivery) of batches already stored: read, no write
    const meter = meterD1(env.DB)
    await drainBatch(b.messages.slice(0, 10), { ...env, DB: meter.db } as unknown as Bindings)
    result.resent_10_stored_requests = { rows_written: meter.rowsWritten, rows_read: meter.rowsRead }
    // the later purge of those events' dedupe rows once past the dedupe window (one event_ids delete per project and day range)
    meter.reset()
    const del = await meter.db
      .prepare('DELETE FROM event_ids WHERE project_id = ?1 AND received_day <= ?2')
      .bind(b.p.id, new Date().toISOString().slice(0, 10))
      .run()
    result.event_ids_purge = {
      deleted: del.meta.changes,
      rows_written_per_1000_events: Math.round((meter.rowsWritten / b.events) * 1000),
      rows_read_per_1000_events: Math.round((meter.rowsRead / b.events) * 1000),
    }
  }
  result.legacy_widget_shape_50_events_1_user_40_accounts_1_per_consumer_batch = (await cost('legacy-w', legacyWidget, 1)).out
  result.legacy_backend_shape_50_events_50_users_40_accounts_1_per_consumer_batch = (await cost('legacy-b', legacyBackend, 1)).out
  console.log(`BENCH ingest_rows ${JSON.stringify(result)}`)
  expect(result.requests).toBe(REQUESTS)
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

/**
 * Issue 13, the step left for backend-shaped ingest: the (user, event name, day) rollup folded into one JSON of
 * name -> [n, amount] per (user, day), written by the user-day row write ingest already makes. A prototype on
 * tables of its own (no reader uses them): the CS per-account event counts and scoring's rule-event sums read both
 * ways (same answers asserted), and an ingest-like merge upsert's rows written.
 */
it('prototype: event-name rollups folded into the user-day row', async () => {
  const db = env.DB
  await db.batch([
    db.prepare(`CREATE TABLE IF NOT EXISTS proto_ued (project_id TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL, day TEXT NOT NULL,
      account_id TEXT, n INTEGER NOT NULL DEFAULT 0, amount REAL NOT NULL DEFAULT 0, PRIMARY KEY (project_id, user_id, name, day)) WITHOUT ROWID`),
    db.prepare('CREATE INDEX IF NOT EXISTS idx_proto_ued_acct ON proto_ued(project_id, account_id, name, day)'),
    db.prepare(`CREATE TABLE IF NOT EXISTS proto_ud (project_id TEXT NOT NULL, user_id TEXT NOT NULL, day TEXT NOT NULL, account_id TEXT,
      events INTEGER NOT NULL DEFAULT 0, names_json TEXT, PRIMARY KEY (project_id, user_id, day)) WITHOUT ROWID`),
    db.prepare('CREATE INDEX IF NOT EXISTS idx_proto_ud_acct ON proto_ud(project_id, account_id, day)'),
    db.prepare('CREATE INDEX IF NOT EXISTS idx_proto_ud_day ON proto_ud(project_id, day)'),
  ])
  const ACCOUNTS = 40,
    USERS = 10,
    DAYS = 90,
    NAMES = 20
  // one statement per account: users x days x names
  for (let a = 0; a < ACCOUNTS; a++) {
    await db
      .prepare(
        `WITH RECURSIVE u(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM u WHERE i < ${USERS - 1}),
          d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < ${DAYS - 1}),
          nm(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM nm WHERE i < ${NAMES - 1})
         INSERT OR IGNORE INTO proto_ued SELECT 'pp', 'a${a}-u' || u.i, 'Event ' || nm.i, date('2026-11-26', '-' || d.i || ' days'), 'a${a}',
           1 + ((u.i + d.i + nm.i) % 5), 0 FROM u, d, nm WHERE true`,
      )
      .run()
  }
  await db
    .prepare(
      `INSERT OR IGNORE INTO proto_ud SELECT project_id, user_id, day, MAX(account_id), SUM(n), json_group_object(name, json_array(n, amount))
       FROM proto_ued WHERE project_id = 'pp' GROUP BY user_id, day`,
    )
    .run()
  const ued = `SELECT name, SUM(CASE WHEN day >= ?3 THEN n ELSE 0 END) AS w, SUM(n) AS t, COUNT(DISTINCT CASE WHEN day >= ?3 THEN user_id END) AS u, MAX(day) AS l
    FROM proto_ued INDEXED BY idx_proto_ued_acct WHERE project_id = ?1 AND account_id = ?2 GROUP BY name ORDER BY w DESC, name LIMIT 500`
  const fold = `SELECT j.key AS name, SUM(CASE WHEN day >= ?3 THEN j.value ->> 0 ELSE 0 END) AS w, SUM(j.value ->> 0) AS t,
      COUNT(DISTINCT CASE WHEN day >= ?3 THEN user_id END) AS u, MAX(day) AS l
    FROM proto_ud INDEXED BY idx_proto_ud_acct CROSS JOIN json_each(proto_ud.names_json) AS j WHERE project_id = ?1 AND account_id = ?2
    GROUP BY j.key ORDER BY w DESC, name LIMIT 500`
  const rulesUed = `SELECT account_id, name, day, SUM(n) AS n FROM proto_ued WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND name IN ('Event 3', 'Event 7')
    AND account_id IS NOT NULL GROUP BY account_id, name, day`
  const rulesFold = `SELECT account_id, j.key AS name, day, SUM(j.value ->> 0) AS n FROM proto_ud CROSS JOIN json_each(proto_ud.names_json) AS j
    WHERE project_id = ?1 AND day > ?2 AND day <= ?3 AND j.key IN ('Event 3', 'Event 7') AND account_id IS NOT NULL GROUP BY account_id, j.key, day`
  const time = async (sql: string, binds: unknown[]) => {
    const ms: number[] = []
    let read = 0
    let rows: unknown[] = []
    for (let i = 0; i < 12; i++) {
      const t = performance.now()
      const r = await db
        .prepare(sql)
        .bind(...binds)
        .all()
      if (i >= 2) ms.push(performance.now() - t)
      read = r.meta.rows_read
      rows = r.results
    }
    ms.sort((a, b) => a - b)
    return { p50_ms: +ms[Math.floor(ms.length / 2)].toFixed(1), rows_read: read, rows }
  }
  const out: Record<string, unknown> = {}
  for (const [k, sql, binds] of [
    ['cs_counts_rows', ued, ['pp', 'a7', '2026-10-27']],
    ['cs_counts_folded', fold, ['pp', 'a7', '2026-10-27']],
    ['rules_rows', rulesUed, ['pp', '2026-08-28', '2026-11-26']],
    ['rules_folded', rulesFold, ['pp', '2026-08-28', '2026-11-26']],
  ] as const) {
    const r = await time(sql, [...binds])
    out[k] = { p50_ms: r.p50_ms, rows_read: r.rows_read, results: r.rows.length }
  }
  // same answers, both reads
  const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort()
  for (const [a, b, binds] of [
    [ued, fold, ['pp', 'a7', '2026-10-27']],
    [rulesUed, rulesFold, ['pp', '2026-08-28', '2026-11-26']],
  ] as const)
    expect(
      sorted(
        (
          await db
            .prepare(a)
            .bind(...binds)
            .all()
        ).results,
      ),
    ).toEqual(
      sorted(
        (
          await db
            .prepare(b)
            .bind(...binds)
            .all()
        ).results,
      ),
    )
  // an ingest-like merge: 400 (user, day) rows each gaining 4 names, as one upsert; rows written
  const src = JSON.stringify(
    Array.from({ length: 400 }, (_, i) => [
      `a${i % 40}-u${i % 10}`,
      '2026-11-26',
      `a${i % 40}`,
      { 'Event 1': [2, 0], 'New A': [1, 5], 'New B': [1, 0], 'Event 9': [3, 0] },
    ]),
  )
  const merge = await db
    .prepare(
      `INSERT INTO proto_ud (project_id, user_id, day, account_id, events, names_json)
       SELECT 'pp', j.value ->> 0, j.value ->> 1, j.value ->> 2, 7, json(j.value -> 3) FROM json_each(?1) AS j WHERE true
       ON CONFLICT (project_id, user_id, day) DO UPDATE SET events = events + excluded.events,
         names_json = (SELECT json_group_object(k, json_array(n, a)) FROM (SELECT k, SUM(n) AS n, SUM(a) AS a FROM (
           SELECT key AS k, value ->> 0 AS n, value ->> 1 AS a FROM json_each(proto_ud.names_json)
           UNION ALL SELECT key, value ->> 0, value ->> 1 FROM json_each(excluded.names_json)) GROUP BY k))`,
    )
    .bind(src)
    .run()
  out.merge_400_user_days = { rows_written: merge.meta.rows_written, rows_read: merge.meta.rows_read, ms: merge.meta.duration }
  // a0-u0's row took the 10 upserts aimed at it in that one statement: each adds [1, 5] to "New A"
  const merged = await db
    .prepare("SELECT names_json ->> '$.\"New A\"' AS a FROM proto_ud WHERE project_id = 'pp' AND user_id = 'a0-u0' AND day = '2026-11-26'")
    .first<string>('a')
  expect(JSON.parse(merged!)).toEqual([10, 50])
  out.sizes = { ued_rows: ACCOUNTS * USERS * DAYS * NAMES, ud_rows: ACCOUNTS * USERS * DAYS }
  console.log(`BENCH ingest_folded_event_days_prototype ${JSON.stringify(out)}`)
})
