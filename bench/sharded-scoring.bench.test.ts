import { env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject } from '../tests/worker/fixtures'
import { newShardedProject } from '../tests/worker/state-fixtures'
import { scoringRun } from '../worker/src/jobs/daily-run'
import { runScoringStep, type ScoringMessage } from '../worker/src/jobs/fanout'
import { runProjectScoring } from '../worker/src/scoring/run'
import { projectState, type AccountShard, type ShardStatement } from '../worker/src/shards'
import { meterD1 } from './d1-meter'
import { seed } from './scoring-seed'

// Scoring of a project whose user-grain state is in 4 AccountShard objects against the same data in the main D1
// (issue 13, sharded state): in-line wall time, rows read (D1 and shards), Durable Object calls per run, and per
// fan-out message. `npx vitest run --project bench bench/sharded-scoring.bench.test.ts`.

const ACCOUNTS = 200
const SHARDS = 4
const ROUNDS = 3
const COLUMNS: Record<string, string[]> = {
  users: ['id', 'account_id', 'traits_json', 'first_seen', 'last_seen'],
  user_days: [
    'user_id',
    'day',
    'account_id',
    'events',
    'meaningful',
    'logins',
    'value_events',
    'value_amount',
    'active_seconds',
    'app_version',
  ],
  user_feature_days: ['user_id', 'feature_key', 'day', 'account_id', 'n', 'amount'],
  user_event_days: ['user_id', 'name', 'day', 'account_id', 'n', 'amount'],
}

/** The ACCOUNT_SHARDS namespace with every `execute` counted: calls, statements, SQLite's rows read and written. */
function countedShards(ns: DurableObjectNamespace<AccountShard>) {
  const c = { calls: 0, statements: 0, rowsRead: 0, rowsWritten: 0 }
  const reset = () => Object.assign(c, { calls: 0, statements: 0, rowsRead: 0, rowsWritten: 0 })
  const counted = {
    idFromName: (name: string) => ns.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = ns.get(id)
      return {
        async execute(statements: ShardStatement[]) {
          c.calls++
          c.statements += statements.length
          const results = await stub.execute(statements)
          for (const r of results) {
            c.rowsRead += r.rowsRead
            c.rowsWritten += r.rowsWritten
          }
          return results
        },
      }
    },
  }
  return { ns: counted as unknown as DurableObjectNamespace<AccountShard>, c, reset }
}

/** The unsharded project's rollups copied into the sharded one: accounts and features in D1, user grain into each row's shard (bulk, json_each). */
async function copyInto(from: string, to: string) {
  await env.DB.batch(
    ['accounts', 'features'].map((t) =>
      env.DB.prepare(
        t === 'accounts'
          ? `INSERT INTO accounts (project_id, id, name, traits_json, attributes_json, first_seen, last_seen)
             SELECT ?2, id, name, traits_json, attributes_json, first_seen, last_seen FROM accounts WHERE project_id = ?1`
          : `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at)
             SELECT ?2, key, name, kind, core, rules_json, created_at, updated_at FROM features WHERE project_id = ?1`,
      ).bind(from, to),
    ),
  )
  const state = await projectState(env, to)
  const { results: users } = await env.DB.prepare('SELECT id FROM users WHERE project_id = ?1 ORDER BY id').bind(from).all<{ id: string }>()
  for (const [table, columns] of Object.entries(COLUMNS)) {
    for (let i = 0; i < users.length; i += 200) {
      const page = JSON.stringify(users.slice(i, i + 200).map((u) => u.id))
      const { results } = await env.DB.prepare(
        `SELECT ${columns.join(', ')} FROM ${table} WHERE project_id = ?1 AND ${table === 'users' ? 'id' : 'user_id'} IN (SELECT value FROM json_each(?2))`,
      )
        .bind(from, page)
        .all<Record<string, string | number | null>>()
      await Promise.all(
        state
          .split(results, (r) => ({ accountId: r.account_id as string | null, userId: String(r.user_id ?? r.id) }))
          .map(({ db, items }) =>
            db
              .prepare(
                `INSERT INTO ${table} (project_id, ${columns.join(', ')}) SELECT ?1, ${columns.map((_, i) => `json_extract(value, '$[${i}]')`).join(', ')} FROM json_each(?2)`,
              )
              .bind(to, JSON.stringify(items.map((r) => columns.map((k) => r[k]))))
              .run(),
          ),
      )
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

it('measures in-line and fanned-out scoring of 2,000 users / 200 accounts, unsharded and in 4 state shards', async () => {
  const now = Date.now()
  const plain = await newProject('sharded-scoring-plain')
  const seeded = await seed(plain.id, ACCOUNTS, now)
  const sharded = await newShardedProject('sharded-scoring-4', SHARDS)
  await copyInto(plain.id, sharded.id)
  const meter = meterD1(env.DB)
  const shards = countedShards(env.ACCOUNT_SHARDS!)
  const source = { ...env, DB: meter.db, ACCOUNT_SHARDS: shards.ns }

  // 1. the load + score + write alone (runProjectScoring), rounds interleaved
  const inline: Record<
    string,
    { ms: number[]; rows_read: number; d1_rows_read: number; shard_rows_read: number; do_calls: number; d1_statements: number }
  > = {}
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, p] of [
      ['unsharded', plain],
      ['4 shards', sharded],
    ] as const) {
      meter.reset()
      shards.reset()
      const run = await runProjectScoring(source, p.id, now)
      expect(run.summary.users).toBe(seeded.users)
      const entry = (inline[name] ??= { ms: [], rows_read: 0, d1_rows_read: 0, shard_rows_read: 0, do_calls: 0, d1_statements: 0 })
      entry.ms.push(run.summary.ms)
      Object.assign(entry, {
        rows_read: run.summary.rows_read,
        d1_rows_read: meter.rowsRead,
        shard_rows_read: shards.c.rowsRead,
        do_calls: shards.c.calls,
        d1_statements: meter.statements,
        load_ms: run.summary.load_ms,
      })
    }
  for (const [name, e] of Object.entries(inline))
    console.log(`BENCH sharded-scoring inline ${name} ${JSON.stringify({ ...e, ms_median: median(e.ms) })}`)
  // the same reads (SQLite's counters on a Durable Object and on D1 may differ by a row or two)
  expect(Math.abs(inline['4 shards'].rows_read - inline.unsharded.rows_read)).toBeLessThan(inline.unsharded.rows_read / 1000)

  // 2. the whole manual run (scores, alerts, contexts): DO calls per run
  for (const [name, p] of [
    ['unsharded', plain],
    ['4 shards', sharded],
  ] as const) {
    meter.reset()
    shards.reset()
    const t = Date.now()
    const outcome = await scoringRun(source, p.id, now, 'manual')
    expect(outcome.status).toBe('ok')
    console.log(
      `BENCH sharded-scoring run ${name} ${JSON.stringify({ ms: Date.now() - t, d1_rows_read: meter.rowsRead, d1_rows_written: meter.rowsWritten, shard_rows_read: shards.c.rowsRead, shard_rows_written: shards.c.rowsWritten, do_calls: shards.c.calls, do_statements: shards.c.statements })}`,
    )
  }

  // 3. fanned out (threshold lowered to 10 accounts, 4 scoring shards): per message
  for (const [name, p] of [
    ['unsharded', plain],
    ['4 shards', sharded],
  ] as const) {
    const sent: ScoringMessage[] = []
    const queue = {
      async send(body: ScoringMessage) {
        sent.push(body)
      },
      async sendBatch(messages: { body: ScoringMessage }[]) {
        for (const m of messages) sent.push(m.body)
      },
    } as unknown as Queue
    const outcome = await scoringRun(source, p.id, now + 1, 'manual', queue, { minAccounts: 10, shards: 4 })
    expect(outcome.status).toBe('queued')
    const messages: Record<string, unknown>[] = []
    for (let i = 0; i < sent.length; i++) {
      meter.reset()
      shards.reset()
      const t = Date.now()
      await runScoringStep(source, queue, sent[i])
      messages.push({
        pass: sent[i].pass,
        shard: sent[i].shard,
        ms: Date.now() - t,
        d1_rows_read: meter.rowsRead,
        shard_rows_read: shards.c.rowsRead,
        do_calls: shards.c.calls,
      })
    }
    console.log(`BENCH sharded-scoring fanout ${name} ${JSON.stringify(messages)}`)
  }
})
