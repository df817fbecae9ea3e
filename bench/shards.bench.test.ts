import { env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import type { UptakeEvent } from '../shared/events'
import { emptyFeatureIndex, trackTagger } from '../worker/src/features/classify'
import { toEventRow, type EventRow } from '../worker/src/ingest/normalize'
import { planIngest } from '../worker/src/ingest/plan'
import { accountShardStub, SHARD_MIGRATIONS, SHARD_TABLES, shardDatabase, shardKeyOf, shardOf } from '../worker/src/shards'
// the one write under test: swap this import when the ingest store changes (the coordinator's rewrite lands here as is)
import { writeIngest as writeBatch } from '../worker/src/ingest/store'

/**
 * Sharded state, measured both ways on the same load (issue 13 item 3): the same ingest write statements for
 * widget-shaped batches (one user, 50 events) and backend-shaped ones (50 users, one event each) of ACCOUNTS
 * accounts, split by shardOf over 1, 2 and 4 shards, (a) each shard its own D1 database, (b) each shard an
 * AccountShard Durable Object through shardDatabase. Rounds interleave the six setups so machine noise hits all alike.
 * Per setup: events/s with IN_FLIGHT batches at once, rows written/read per 1,000 events, p50/p99 of each shard write
 * under that load and of a batch written alone, rows per shard and bytes stored per 1,000 events.
 * Locally every shard shares one workerd process and this machine's cores: more shards cannot run in parallel here.
 */

const BATCH = 50
const ACCOUNTS = 400
const USERS_PER_ACCOUNT = 10
/** Batches in flight at once (a Queue consumer's concurrency), each split into one write per shard it touches. */
const IN_FLIGHT = 8
const ROUNDS = 12
const WARMUP_ROUNDS = 2
/** Batches written one at a time per setup and shape: the write's own latency, with nothing queued before it. */
const UNLOADED_BATCHES = 12
const SHARD_COUNTS = [1, 2, 4] as const

// the raw table's hot window (0001's events minus the projects FK), which the ingest store also writes
const EVENTS_DDL = `CREATE TABLE IF NOT EXISTS events (project_id TEXT NOT NULL, message_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('identify', 'group', 'track', 'page', 'screen', 'alias')), kind TEXT NOT NULL, name TEXT,
  user_id TEXT, anonymous_id TEXT, account_id TEXT, feature_key TEXT, amount REAL, meaningful INTEGER NOT NULL DEFAULT 0,
  active_seconds INTEGER NOT NULL DEFAULT 0, app_version TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL, ingest_id TEXT,
  properties_json TEXT NOT NULL DEFAULT '{}', context_json TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (project_id, message_id))`
// IF NOT EXISTS: an AccountShard has created its tables already, a D1 shard database starts empty
const SHARD_DDL = [...SHARD_MIGRATIONS.flatMap((m) => m.split(';')), EVENTS_DDL]
  .map((s) => s.trim().replace(/^CREATE (TABLE|INDEX) (?!IF NOT EXISTS)/, 'CREATE $1 IF NOT EXISTS '))
  .filter(Boolean)

const accountOf = (user: number) => `acct-${Math.floor(user / USERS_PER_ACCOUNT)}`
const tagTrack = trackTagger(emptyFeatureIndex())

/** Widget: one user's 50 events. Backend: one event each of 50 users (a server library's flush). */
function batchOf(kind: 'widget' | 'backend', seq: number): EventRow[] {
  const users = ACCOUNTS * USERS_PER_ACCOUNT
  const now = Date.now()
  return Array.from({ length: BATCH }, (_, i) => {
    const user = kind === 'widget' ? (seq * 7919) % users : (seq * BATCH * 31 + i * 97) % users
    const event: UptakeEvent = {
      type: 'track',
      messageId: `${kind}-${seq}-${i}`,
      userId: `user-${user}`,
      event: ['Invoice Created', 'Customer Added', 'Report Exported', 'Signed In'][i % 4],
      properties: { amount: i * 10, plan: 'team' },
      context: { groupId: accountOf(user), app: { version: '3.2.0' } },
      timestamp: new Date(now - i * 1000).toISOString(),
    }
    return toEventRow(event, { receivedAt: now, tagTrack, newId: () => crypto.randomUUID() })
  })
}

interface Setup {
  name: string
  backend: 'd1' | 'durable_object'
  shards: number
  projectId: string
  dbs: D1Database[]
  /** Bytes on disk, all shards of the setup together. */
  size: () => Promise<number>
}

/** Sums every batch's billed rows (the write under test may issue several batches). */
function metered(db: D1Database, tally: { read: number; written: number }): D1Database {
  return {
    prepare: (sql: string) => db.prepare(sql),
    batch: async (statements: D1PreparedStatement[]) => {
      const results = await db.batch(statements)
      for (const r of results) {
        tally.read += r.meta.rows_read ?? 0
        tally.written += r.meta.rows_written ?? 0
      }
      return results
    },
  } as unknown as D1Database
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const round1 = (n: number) => Math.round(n * 10) / 10

it('measures sharded state on D1 databases and on AccountShard Durable Objects, 1/2/4 shards, same load', async () => {
  const run = crypto.randomUUID().slice(0, 8)
  const d1 = env as unknown as Record<string, D1Database>
  const setups: Setup[] = []
  let nextDb = 0
  for (const shards of SHARD_COUNTS) {
    setups.push({
      name: `d1_${shards}`,
      backend: 'd1',
      shards,
      projectId: `bench-d1-${shards}-${run}`,
      dbs: Array.from({ length: shards }, () => d1[`SHARD_DB_${nextDb++}`]),
      size: async () => 0,
    })
    const projectId = `bench-do-${shards}-${run}`
    const stubs = Array.from({ length: shards }, (_, i) => accountShardStub(env.ACCOUNT_SHARDS!, projectId, i, shards))
    setups.push({
      name: `do_${shards}`,
      backend: 'durable_object',
      shards,
      projectId,
      dbs: stubs.map((stub) => shardDatabase(stub)),
      size: async () => (await Promise.all(stubs.map((stub) => stub.stats([])))).reduce((n, s) => n + s.databaseSize, 0),
    })
  }
  for (const s of setups.filter((s) => s.backend === 'd1')) {
    // size_after: the database's bytes after the statement (D1's meta)
    s.size = async () => (await Promise.all(s.dbs.map((db) => db.prepare('SELECT 1').run()))).reduce((n, r) => n + r.meta.size_after, 0)
  }
  for (const s of setups) for (const db of s.dbs) await db.batch(SHARD_DDL.map((sql) => db.prepare(sql)))
  const emptySize = new Map(await Promise.all(setups.map(async (s) => [s.name, await s.size()] as const)))
  let seq = 0
  /** One batch split by shard and written, one write per shard it touches, all at once; the latency of each write. */
  const writeSplit = (s: Setup, rows: EventRow[], tally: { read: number; written: number }) => {
    const byShard = new Map<number, EventRow[]>()
    for (const r of rows) {
      const shard = shardOf(shardKeyOf(r.accountId, r.userId ?? r.anonymousId ?? ''), s.shards)
      byShard.set(shard, [...(byShard.get(shard) ?? []), r])
    }
    return [...byShard].map(async ([shard, part]) => {
      const t = performance.now()
      const written = await writeBatch(metered(s.dbs[shard], tally), s.projectId, planIngest(part), Date.now())
      expect(written.inserted).toBe(part.length)
      return performance.now() - t
    })
  }

  const results: Record<string, Record<string, unknown>> = {}
  for (const kind of ['widget', 'backend'] as const) {
    const stats = new Map(setups.map((s) => [s.name, { ms: 0, events: 0, latencies: [] as number[], read: 0, written: 0, writes: 0 }]))
    for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
      const batches = Array.from({ length: IN_FLIGHT }, () => batchOf(kind, seq++))
      for (const s of setups) {
        const st = stats.get(s.name)!
        const tally = { read: 0, written: 0 }
        const started = performance.now()
        const latencies = await Promise.all(batches.flatMap((rows) => writeSplit(s, rows, tally)))
        if (round < 0) continue
        st.ms += performance.now() - started
        st.events += batches.length * BATCH
        st.latencies.push(...latencies)
        st.read += tally.read
        st.written += tally.written
        st.writes += latencies.length
      }
    }
    // the same shape one batch at a time: a write's latency with nothing queued before it
    const unloaded = new Map(setups.map((s) => [s.name, [] as number[]]))
    for (let b = 0; b < UNLOADED_BATCHES; b++) {
      const rows = batchOf(kind, seq++)
      for (const s of setups) {
        const t = performance.now()
        await Promise.all(writeSplit(s, rows, { read: 0, written: 0 }))
        unloaded.get(s.name)!.push(performance.now() - t)
      }
    }
    for (const s of setups) {
      const st = stats.get(s.name)!
      const sorted = [...st.latencies].sort((a, b) => a - b)
      const alone = unloaded.get(s.name)!.sort((a, b) => a - b)
      results[`${kind}_${s.name}`] = {
        events: st.events,
        events_per_s: Math.round(st.events / (st.ms / 1000)),
        rows_written_per_1000_events: Math.round((st.written / st.events) * 1000),
        rows_read_per_1000_events: Math.round((st.read / st.events) * 1000),
        writes_per_batch: round1(st.writes / (st.events / BATCH)),
        p50_write_ms: round1(percentile(sorted, 50)),
        p99_write_ms: round1(percentile(sorted, 99)),
        p50_batch_alone_ms: round1(percentile(alone, 50)),
        p99_batch_alone_ms: round1(percentile(alone, 99)),
      }
    }
  }

  // where the rows landed: per shard, every state table of the project
  const perShard: Record<string, Record<string, number>[]> = {}
  const storedBytesPer1000Events: Record<string, number> = {}
  const totalEvents = ((ROUNDS + WARMUP_ROUNDS) * IN_FLIGHT + UNLOADED_BATCHES) * BATCH * 2
  for (const s of setups) {
    storedBytesPer1000Events[s.name] = Math.round(((await s.size()) - emptySize.get(s.name)!) / (totalEvents / 1000))
    perShard[s.name] = []
    for (const db of s.dbs) {
      const counts: Record<string, number> = {}
      for (const table of [...SHARD_TABLES, 'events']) {
        const n = await db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`).bind(s.projectId).first<number>('n')
        if (n) counts[table] = n
      }
      perShard[s.name].push(counts)
    }
  }
  const ratio = (kind: string, shards: number) =>
    round1((results[`${kind}_do_${shards}`].events_per_s as number) / (results[`${kind}_d1_${shards}`].events_per_s as number))
  const summary = {
    batch_size: BATCH,
    accounts: ACCOUNTS,
    users: ACCOUNTS * USERS_PER_ACCOUNT,
    batches_in_flight: IN_FLIGHT,
    write: writeBatch.name,
    results,
    do_vs_d1_events_per_s: Object.fromEntries(
      (['widget', 'backend'] as const).flatMap((kind) => SHARD_COUNTS.map((n) => [`${kind}_${n}`, ratio(kind, n)])),
    ),
    rows_per_shard: perShard,
    // every state row the load left (event_ids included), over the events it was: what 10 GB per shard holds
    stored_bytes_per_1000_events: storedBytesPer1000Events,
  }
  console.log(`BENCH shards ${JSON.stringify(summary)}`)
  // the same statements on the same load: D1 and the Durable Object bill the same rows
  for (const kind of ['widget', 'backend']) {
    for (const n of SHARD_COUNTS) {
      expect(results[`${kind}_do_${n}`].rows_written_per_1000_events).toBe(results[`${kind}_d1_${n}`].rows_written_per_1000_events)
    }
  }
})
