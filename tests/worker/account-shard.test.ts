import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { listAccountEventCounts, listAccountUsers } from '../../worker/src/accounts/store'
import type { EventRow } from '../../worker/src/ingest/normalize'
import { planIngest } from '../../worker/src/ingest/plan'
import { writeIngest } from '../../worker/src/ingest/store'
import { accountUserScores, findUserScore, writeUserScores } from '../../worker/src/scoring/scores-store'
import { accountShardStub, SHARD_MIGRATIONS, SHARD_TABLES, shardDatabase } from '../../worker/src/shards'
import { AccountShard } from '../../worker/src/shards/account-shard'
import { newProject } from './fixtures'

// the raw table's hot window as 0001 creates it (minus the projects FK): the ingest store writes its hot system events there
const EVENTS_DDL = `CREATE TABLE IF NOT EXISTS events (project_id TEXT NOT NULL, message_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('identify', 'group', 'track', 'page', 'screen', 'alias')), kind TEXT NOT NULL, name TEXT,
  user_id TEXT, anonymous_id TEXT, account_id TEXT, feature_key TEXT, amount REAL, meaningful INTEGER NOT NULL DEFAULT 0,
  active_seconds INTEGER NOT NULL DEFAULT 0, app_version TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL, ingest_id TEXT,
  properties_json TEXT NOT NULL DEFAULT '{}', context_json TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (project_id, message_id))`

let shardCounter = 0
async function freshShard() {
  const stub = accountShardStub(env.ACCOUNT_SHARDS!, `p_shard_test_${++shardCounter}`, 0, 1)
  await stub.execute([{ sql: EVENTS_DDL, params: [] }])
  return { stub, db: shardDatabase(stub) }
}

const NOW = Date.UTC(2026, 10, 20, 12)
const DAY = 86_400_000

function row(over: Partial<EventRow> & Pick<EventRow, 'messageId'>): EventRow {
  return {
    type: 'track',
    kind: 'track',
    name: 'Report Exported',
    userId: 'u1',
    anonymousId: null,
    accountId: 'acct_1',
    featureKey: null,
    amount: null,
    meaningful: false,
    activeSeconds: 0,
    appVersion: '1.0.0',
    ts: NOW,
    properties: {},
    context: {},
    ...over,
  }
}

/** Two users of one account over two days: identify, group, tracked events, a feature use, a value event, engaged time. */
function batch(prefix: string): EventRow[] {
  return [
    row({ messageId: `${prefix}1`, type: 'identify', kind: 'identify', name: null, properties: { traits: { plan: 'pro' } } }),
    row({ messageId: `${prefix}2`, type: 'group', kind: 'group', name: null, properties: { traits: { name: 'Acme', seats: 12 } } }),
    row({ messageId: `${prefix}3`, ts: NOW - DAY }),
    row({ messageId: `${prefix}4`, userId: 'u2', name: 'Dashboard Viewed', kind: 'feature', featureKey: 'dashboards', meaningful: true }),
    row({ messageId: `${prefix}5`, userId: 'u2', name: 'Invoice Paid', kind: 'value', amount: 120, meaningful: true }),
    row({ messageId: `${prefix}6`, name: 'Engaged', activeSeconds: 45 }),
  ]
}

describe('AccountShard', () => {
  it('creates the state tables once, with the same indexes the stores name in INDEXED BY', async () => {
    const { stub } = await freshShard()
    const tables = await runInDurableObject(stub, (_: AccountShard, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name")
        .toArray()
        .map((r) => r.name),
    )
    for (const t of SHARD_TABLES) expect(tables).toContain(t)
    expect(tables).toEqual(
      expect.arrayContaining(['idx_users_project_id_account_id', 'idx_user_event_days_project_id_account_id_name_day']),
    )
    const version = await runInDurableObject(stub, (_: AccountShard, state) =>
      state.storage.sql.exec('SELECT version FROM shard_schema').toArray(),
    )
    expect(version).toEqual([{ version: SHARD_MIGRATIONS.length }])
  })

  it("has the columns and indexes of the main database's state tables, so a migration there shows up here", async () => {
    const { stub } = await freshShard()
    const shape = async (run: (sql: string) => Promise<Record<string, unknown>[]>) => {
      const out: Record<string, unknown> = {}
      for (const t of SHARD_TABLES) {
        out[t] = {
          columns: await run(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info('${t}') ORDER BY cid`),
          indexes: await run(`SELECT name FROM pragma_index_list('${t}') WHERE origin = 'c' ORDER BY name`),
        }
      }
      return out
    }
    const onD1 = await shape(async (sql) => (await env.DB.prepare(sql).all<Record<string, unknown>>()).results)
    const onShard = await shape(async (sql) => (await shardDatabase(stub).prepare(sql).all<Record<string, unknown>>()).results)
    expect((onD1.users as { columns: unknown[] }).columns.length).toBeGreaterThan(5)
    expect(onShard).toEqual(onD1)
  })

  it('runs a statement list in one transaction: a failing statement rolls back the ones before it', async () => {
    const { stub, db } = await freshShard()
    const ok = db.prepare('INSERT INTO accounts (project_id, id, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)').bind('p', 'a1', NOW)
    // CHECK (band IN (…)) fails
    const bad = db
      .prepare(
        "INSERT INTO account_scores (project_id, account_id, day, model_version, band, profile, explanation_json, computed_at) VALUES ('p', 'a1', 'd', 'v', 'purple', 'x', '{}', 1)",
      )
      .bind()
    await expect(db.batch([ok, bad])).rejects.toThrow(/CHECK constraint failed/)
    expect(await db.prepare('SELECT COUNT(*) AS n FROM accounts').first('n')).toBe(0)
    const [result] = await stub.execute([{ sql: 'SELECT COUNT(*) AS n FROM accounts', params: [] }])
    expect(result.rows).toEqual([[0]])
  })
})

describe('shardDatabase: the stores run unchanged against a shard', () => {
  it('writes an ingest batch (upserts, dedupe, rollups) and reads it back exactly as D1 does, resends included', async () => {
    const project = await newProject('shard')
    const { db: shard } = await freshShard()
    const rows = batch(`${project.id}-m`)
    const onD1 = await writeIngest(env.DB, project.id, planIngest(rows), NOW)
    const onShard = await writeIngest(shard, project.id, planIngest(rows), NOW)
    expect(onShard.inserted).toBe(rows.length)
    expect({ ...onShard, insertedIds: [...onShard.insertedIds].sort() }).toEqual({ ...onD1, insertedIds: [...onD1.insertedIds].sort() })

    // the same messageIds again (a Queue redelivery): nothing counted twice on either side
    const againD1 = await writeIngest(env.DB, project.id, planIngest(rows), NOW + 1000)
    const againShard = await writeIngest(shard, project.id, planIngest(rows), NOW + 1000)
    expect(againShard.inserted).toBe(0)
    expect(againShard.duplicates).toBe(rows.length)
    expect(againShard.inserted).toBe(againD1.inserted)

    const since = '2026-11-01'
    const usersD1 = await listAccountUsers(env.DB, project.id, 'acct_1', since)
    expect(usersD1.map((u) => u.id).sort()).toEqual(['u1', 'u2'])
    expect(await listAccountUsers(shard, project.id, 'acct_1', since)).toEqual(usersD1)
    const countsD1 = await listAccountEventCounts(env.DB, project.id, 'acct_1', since)
    expect(countsD1.find((c) => c.name === 'Report Exported')?.eventsTotal).toBe(1)
    expect(await listAccountEventCounts(shard, project.id, 'acct_1', since)).toEqual(countsD1)

    const dayRows =
      'SELECT user_id, day, events, meaningful, value_amount, active_seconds FROM user_days WHERE project_id = ?1 ORDER BY user_id, day'
    const daysD1 = await env.DB.prepare(dayRows).bind(project.id).all()
    expect(daysD1.results.length).toBe(3)
    expect((await shard.prepare(dayRows).bind(project.id).all()).results).toEqual(daysD1.results)
  })

  it('upserts and selects user scores as D1 does, and reports the same rows written', async () => {
    const project = await newProject('shard-scores')
    const { db: shard } = await freshShard()
    const scores = [
      { userId: 'u1', accountId: 'acct_1', score: 71.5, profile: 'core', measures: { breadth: 0.4 } },
      { userId: 'u2', accountId: 'acct_1', score: 12, profile: 'core', measures: { breadth: 0.1 } },
    ] as unknown as Parameters<typeof writeUserScores>[2]
    for (const db of [env.DB, shard]) {
      await writeUserScores(db, project.id, scores, NOW)
      // the second run updates in place (ON CONFLICT DO UPDATE)
      await writeUserScores(
        db,
        project.id,
        scores.map((s) => ({ ...s, score: (s.score ?? 0) + 1 })),
        NOW + 1,
      )
    }
    const fromD1 = await accountUserScores(env.DB, project.id, 'acct_1')
    expect(fromD1.map((s) => s.score)).toEqual([72.5, 13])
    expect(await accountUserScores(shard, project.id, 'acct_1')).toEqual(fromD1)
    expect(await findUserScore(shard, project.id, 'u2')).toEqual(await findUserScore(env.DB, project.id, 'u2'))
    expect(await findUserScore(shard, project.id, 'nobody')).toBeNull()

    const update = `UPDATE user_scores SET score = score + 1 WHERE project_id = ?1 AND account_id = ?2`
    const d1Meta = (await env.DB.prepare(update).bind(project.id, 'acct_1').run()).meta
    const shardMeta = (await shard.prepare(update).bind(project.id, 'acct_1').run()).meta
    expect(shardMeta.changes).toBe(2)
    expect({ changes: shardMeta.changes, rows_written: shardMeta.rows_written }).toEqual({
      changes: d1Meta.changes,
      rows_written: d1Meta.rows_written,
    })
  })

  it('keeps D1 semantics at the edges: first(column), raw(), booleans bound as 0/1, undefined refused', async () => {
    const { db: shard } = await freshShard()
    for (const db of [env.DB, shard]) {
      const q = db.prepare('SELECT ?1 AS a, ?2 AS b')
      expect(await q.bind(true, 'x').first('a')).toBe(1)
      expect(await q.bind(false, 'x').first()).toEqual({ a: 0, b: 'x' })
      expect(await q.bind(1, 'x').raw()).toEqual([[1, 'x']])
      expect(await q.bind(1, 'x').raw({ columnNames: true })).toEqual([
        ['a', 'b'],
        [1, 'x'],
      ])
      await expect(q.bind(1, 'x').first('missing')).rejects.toThrow(/D1_COLUMN_NOTFOUND/)
      expect(() => q.bind(undefined, 'x')).toThrow(/D1_TYPE_ERROR: Type 'undefined' not supported/)
      expect(await db.prepare('SELECT 1 AS a WHERE 0').first()).toBeNull()
    }
  })
})
