import { env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import type { Feature } from '../shared/features'
import { newProject, type TestProject } from '../tests/worker/fixtures'
import { newShardedProject, rowsOnEveryShard } from '../tests/worker/state-fixtures'
import { buildFeatureIndex, trackTagger } from '../worker/src/features/classify'
import { advanceRebuild, startRebuildStatements } from '../worker/src/features/rebuild'
import { forgetFeatureIndex, upsertFeatureStatement } from '../worker/src/features/store'
import { gzip, type ArchivedEvent } from '../worker/src/ingest'
import { DAY_MS, dayOf } from '../worker/src/lib/days'
import { projectState, recordDirectory, type AccountShard, type ShardStatement, type ShardStatementResult } from '../worker/src/shards'
import { meterD1 } from './d1-meter'

/**
 * Re-tagging on sharded state (issue 13): the same archive of EVENTS track events (ACCOUNTS × USERS × DAYS × PER_DAY,
 * 100 per object) and the rollups ingest would have built, in an unsharded project and a 4-shard one; a rules change
 * re-tags half of them (a feature gains 'A Done'). Measured: D1 rows read/written and statements, shard (Durable
 * Object) calls, statements and rows, pages, wall time. Both must end with the same rollups.
 */
const ACCOUNTS = 40
const USERS = 5
const DAYS = 5
const PER_DAY = 10
const OBJECT_EVENTS = 100
const SHARDS = 4

const feature = (events: string[]): Feature => ({
  key: 'f',
  name: 'F',
  kind: 'feature',
  core: false,
  rules: events.map((event) => ({ match: 'event' as const, event })),
})

type Row = Record<string, string | number | null>

async function bulk(db: D1Database, projectId: string, table: string, rows: Row[]) {
  if (!rows.length) return
  const cols = Object.keys(rows[0])
  const stmts = []
  for (let i = 0; i < rows.length; i += 500)
    stmts.push(
      db
        .prepare(
          `INSERT INTO ${table} (project_id, ${cols.join(', ')}) SELECT ?1, ${cols.map((c) => `json_extract(value, '$.${c}')`).join(', ')} FROM json_each(?2) WHERE true`,
        )
        .bind(projectId, JSON.stringify(rows.slice(i, i + 500))),
    )
  for (let i = 0; i < stmts.length; i += 20) await db.batch(stmts.slice(i, i + 20))
}

/** The archive and the rollups its lines were counted into under `rules` (generation 1), split where the layout keeps them. */
async function seed(p: TestProject, rules: Feature) {
  const tag = trackTagger(buildFeatureIndex([rules]))
  const state = await projectState(env, p.id)
  const users: Row[] = []
  const eventIds: (Row & { a: string })[] = []
  const userDays = new Map<string, Row>()
  const eventDays = new Map<string, Row>()
  const featureDays = new Map<string, Row>()
  for (let d = 1; d <= DAYS; d++) {
    const start = Date.parse(`${dayOf(Date.now() - d * DAY_MS)}T00:00:00Z`)
    const day = dayOf(start)
    const lines: ArchivedEvent[] = []
    for (let a = 0; a < ACCOUNTS; a++)
      for (let u = 0; u < USERS; u++)
        for (let i = 0; i < PER_DAY; i++) {
          const name = i % 2 ? 'A Done' : 'B Done'
          const t = tag(name, {})
          const user = `a${a}_u${u}`
          lines.push({
            message_id: `m-${d}-${a}-${u}-${i}`,
            type: 'track',
            kind: t.kind,
            name,
            user_id: user,
            anonymous_id: null,
            account_id: `a${a}`,
            feature_key: t.featureKey,
            amount: t.amount,
            meaningful: t.meaningful,
            active_seconds: 0,
            app_version: null,
            ts: start + 3_600_000 + i,
            received_at: start + 3_600_000 + i,
            properties: {},
            context: {},
          } as ArchivedEvent)
        }
    for (let o = 0; o * OBJECT_EVENTS < lines.length; o++) {
      const part = lines.slice(o * OBJECT_EVENTS, (o + 1) * OBJECT_EVENTS)
      const ingestId = `w${d}-${o}`
      await env.RAW_EVENTS.put(
        `raw/${p.id}/${day}/${start + 7_200_000 + o}-${ingestId}.ndjson.gz`,
        await gzip(part.map((l) => JSON.stringify(l)).join('\n') + '\n'),
        {
          customMetadata: { events: String(part.length), day, rules: '1' },
        },
      )
      for (const l of part) eventIds.push({ message_id: l.message_id, ingest_id: ingestId, received_day: day, a: l.account_id! })
    }
    for (const l of lines) {
      const user = l.user_id!
      const ud = userDays.get(`${user}|${day}`) ?? { user_id: user, day, account_id: l.account_id, events: 0, meaningful: 0 }
      ud.events = Number(ud.events) + 1
      ud.meaningful = Number(ud.meaningful) + (l.meaningful ? 1 : 0)
      userDays.set(`${user}|${day}`, ud)
      const ed = eventDays.get(`${user}|${l.name}|${day}`) ?? {
        user_id: user,
        name: l.name,
        day,
        account_id: l.account_id,
        n: 0,
        amount: 0,
      }
      ed.n = Number(ed.n) + 1
      eventDays.set(`${user}|${l.name}|${day}`, ed)
      if (l.feature_key) {
        const fd = featureDays.get(`${user}|${day}`) ?? {
          user_id: user,
          feature_key: l.feature_key,
          day,
          account_id: l.account_id,
          n: 0,
          amount: 0,
        }
        fd.n = Number(fd.n) + 1
        featureDays.set(`${user}|${day}`, fd)
      }
    }
  }
  for (let a = 0; a < ACCOUNTS; a++) {
    for (let u = 0; u < USERS; u++) users.push({ id: `a${a}_u${u}`, account_id: `a${a}`, first_seen: Date.now(), last_seen: Date.now() })
  }
  await bulk(
    env.DB,
    p.id,
    'accounts',
    Array.from({ length: ACCOUNTS }, (_, a) => ({ id: `a${a}`, first_seen: Date.now(), last_seen: Date.now() })),
  )
  // the directory (D1) of the sharded project, as ingest records it: where each user's state lives
  if (state.sharded)
    await env.DB.batch(
      recordDirectory(
        env.DB,
        p.id,
        users.map((u) => ({ userId: String(u.id), accountId: String(u.account_id) })),
        Date.now(),
      ),
    )
  const put = async (table: string, rows: Row[], where: (r: Row) => { accountId: string; userId: string }) => {
    for (const g of state.split(rows, where)) await bulk(g.db, p.id, table, g.items)
  }
  await put('users', users, (r) => ({ accountId: String(r.account_id), userId: String(r.id) }))
  for (const [table, rows] of [
    ['user_days', userDays],
    ['user_event_days', eventDays],
    ['user_feature_days', featureDays],
  ] as const)
    await put(table, [...rows.values()], (r) => ({ accountId: String(r.account_id), userId: String(r.user_id) }))
  const accountOf = new Map(eventIds.map((e) => [e.message_id, e.a]))
  await put(
    'event_ids',
    eventIds.map(({ a: _, ...r }) => r),
    (r) => ({ accountId: accountOf.get(String(r.message_id))!, userId: '' }),
  )
}

function meteredShards() {
  const ns = env.ACCOUNT_SHARDS as unknown as DurableObjectNamespace<AccountShard>
  const m = { calls: 0, statements: 0, rowsRead: 0, rowsWritten: 0 }
  const wrapped = {
    idFromName: (name: string) => ns.idFromName(name),
    get(id: DurableObjectId) {
      const stub = ns.get(id)
      return {
        async execute(statements: ShardStatement[]): Promise<ShardStatementResult[]> {
          m.calls++
          m.statements += statements.length
          const results = (await stub.execute(statements)) as ShardStatementResult[]
          for (const r of results) {
            m.rowsRead += r.rowsRead
            m.rowsWritten += r.rowsWritten
          }
          return results
        },
      }
    },
  }
  return { ns: wrapped as unknown as typeof env.ACCOUNT_SHARDS, m }
}

async function measure(p: TestProject) {
  // the feature as ingest tagged the archive (generation 1, its job done over an empty walk), then the change
  await env.DB.batch([
    upsertFeatureStatement(env.DB, p.id, feature(['B Done']), Date.now()),
    ...startRebuildStatements(env.DB, p.id, Date.now()),
  ])
  await advanceRebuild(env, p.id)
  await seed(p, feature(['B Done']))
  await env.DB.batch([
    upsertFeatureStatement(env.DB, p.id, feature(['B Done', 'A Done']), Date.now()),
    ...startRebuildStatements(env.DB, p.id, Date.now()),
  ])
  forgetFeatureIndex(p.id)
  const d1 = meterD1(env.DB)
  const shards = meteredShards()
  const metered = { ...env, DB: d1.db, ACCOUNT_SHARDS: shards.ns }
  const started = performance.now()
  let pages = 0
  let progress
  for (;;) {
    const r = await advanceRebuild(metered, p.id, { maxPages: 1 })
    pages++
    progress = r.progress
    if (progress?.status === 'done') break
  }
  const ms = Math.round(performance.now() - started)
  return {
    progress,
    pages,
    ms,
    d1: { statements: d1.statements, rows_read: d1.rowsRead, rows_written: d1.rowsWritten, by_table: d1.byTable },
    shards: shards.m,
  }
}

it('BENCH sharded-retag: 10,000 archived events, half re-tagged, unsharded vs 4 shards', async () => {
  const plain = await newProject('bench-retag-1')
  const sharded = await newShardedProject('bench-retag-4', SHARDS)
  const one = await measure(plain)
  const four = await measure(sharded)
  const rollups = async (p: TestProject) =>
    (await rowsOnEveryShard(p.id, 'SELECT user_id, feature_key, day, n FROM user_feature_days WHERE project_id = ?1'))
      .map((r) => JSON.stringify(r))
      .sort()
  expect(one.progress).toMatchObject({ status: 'done', done: 10_000, retagged: 5_000 })
  expect(four.progress).toMatchObject({ status: 'done', done: 10_000, retagged: 5_000 })
  expect(await rollups(sharded)).toEqual(await rollups(plain))
  console.log(`BENCH sharded-retag ${JSON.stringify({ unsharded: one, four_shards: four })}`)
})
