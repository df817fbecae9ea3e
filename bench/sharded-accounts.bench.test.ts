import { env, SELF } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject, type TestProject } from '../tests/worker/fixtures'
import { newShardedProject } from '../tests/worker/state-fixtures'
import { accountActivity, accountSummaries } from '../worker/src/accounts/store'
import { DAY_MS, dayOf } from '../worker/src/lib/days'
import { widgetErrorsOf } from '../worker/src/projects/widget-errors-store'
import { outcomeCohortOf } from '../worker/src/renewals/store'
import { stateLayout, type ProjectState, type StateEnv } from '../worker/src/shards'

/**
 * Sharded state, the CS read side (issue 13): the same project (ACCOUNTS × USERS × DAYS of rollups) unsharded and in
 * 4 shards; latency of the account list and Account 360 through the worker (in-process, one local workerd: every
 * shard shares this machine's cores), and the shard calls (Durable Object RPCs) and D1 rows each read makes.
 */
const ACCOUNTS = 200
const USERS = 10
const DAYS = 30
const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5']
const ROUNDS = 5
const DETAIL_PER_ROUND = 20

const NOW = Date.now()
const day = (n: number) => dayOf(NOW - n * DAY_MS)
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const r1 = (x: number) => Math.round(x * 10) / 10

type Row = Record<string, string | number | null>

/** Rows into `table` by json_each, 1,000 per statement, one batch per database. */
async function bulk(db: D1Database, projectId: string, table: string, rows: Row[]) {
  if (!rows.length) return
  const cols = Object.keys(rows[0])
  const stmts = []
  for (let i = 0; i < rows.length; i += 1000)
    stmts.push(
      db
        .prepare(
          `INSERT INTO ${table} (project_id, ${cols.join(', ')}) SELECT ?1, ${cols.map((c) => `json_extract(value, '$.${c}')`).join(', ')} FROM json_each(?2)`,
        )
        .bind(projectId, JSON.stringify(rows.slice(i, i + 1000))),
    )
  for (let i = 0; i < stmts.length; i += 20) await db.batch(stmts.slice(i, i + 20))
}

async function seed(state: ProjectState) {
  const p = state.projectId
  const accounts: Row[] = []
  const outcomes: Row[] = []
  const users: Row[] = []
  const userDays: Row[] = []
  const eventDays: Row[] = []
  const featureDays: Row[] = []
  const events: Row[] = []
  for (let a = 0; a < ACCOUNTS; a++) {
    const id = `a${String(a).padStart(3, '0')}`
    accounts.push({ id, name: id, traits_json: '{}', attributes_json: '{}', first_seen: NOW - 60 * DAY_MS, last_seen: NOW })
    if (a % 2) outcomes.push({ account_id: id, kind: a % 6 === 1 ? 'churned' : 'renewed', date: day(5), amount: null, created_at: NOW })
    for (let u = 0; u < USERS; u++) {
      const uid = `${id}_u${u}`
      users.push({ id: uid, account_id: id, traits_json: '{}', first_seen: NOW - 60 * DAY_MS, last_seen: NOW - u * 1000 })
      for (let d = 0; d < DAYS; d++) {
        userDays.push({ user_id: uid, day: day(d), account_id: id, events: 5 + ((a + u + d) % 7), meaningful: 3, logins: 1 })
        for (const name of ['Invoice Created', 'Report Exported'])
          eventDays.push({ user_id: uid, name, day: day(d), account_id: id, n: 1 + ((u + d) % 3), amount: 0 })
        for (const k of [0, 1])
          featureDays.push({
            user_id: uid,
            feature_key: FEATURES[(u + d + k * 3) % FEATURES.length],
            day: day(d),
            account_id: id,
            n: 2,
            amount: 0,
          })
      }
      if (u === 0)
        events.push({
          message_id: `m_${uid}`,
          type: 'track',
          kind: 'system',
          name: '$widget_error',
          user_id: uid,
          account_id: id,
          ts: NOW - a * 60_000,
          received_at: NOW,
          properties_json: '{"message":"boom"}',
          context_json: '{}',
        })
    }
  }
  await bulk(state.control, p, 'accounts', accounts)
  await bulk(state.control, p, 'account_outcomes', outcomes)
  await bulk(
    state.control,
    p,
    'features',
    FEATURES.map((key) => ({ key, name: key, kind: 'feature', core: 0, rules_json: '[]', created_at: NOW, updated_at: NOW })),
  )
  const byShard = <T extends Row>(rows: T[]) =>
    state.split(rows, (r) => ({ accountId: r.account_id as string, userId: String(r.user_id ?? r.id) }))
  for (const [table, rows] of [
    ['users', users],
    ['user_days', userDays],
    ['user_event_days', eventDays],
    ['user_feature_days', featureDays],
    ['events', events],
  ] as const)
    for (const g of byShard(rows)) await bulk(g.db, p, table, g.items)
}

/** A layout whose shard calls are counted, and whose D1 rows read are added up. */
function metered(projectId: string, shards: number) {
  const m = { calls: 0, d1RowsRead: 0, shardRowsRead: 0 }
  const ns = env.ACCOUNT_SHARDS!
  const counting = {
    idFromName: (name: string) => ns.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = ns.get(id)
      return {
        async execute(statements: Parameters<typeof stub.execute>[0]) {
          m.calls++
          const out = await stub.execute(statements)
          for (const r of out) m.shardRowsRead += r.rowsRead
          return out
        },
      }
    },
  }
  const db = env.DB
  const d1 = new Proxy(db, {
    get(target, key) {
      if (key !== 'prepare') return Reflect.get(target, key, target)
      return (sql: string) => {
        const wrapStmt = (s: D1PreparedStatement): D1PreparedStatement =>
          new Proxy(s, {
            get(t, k) {
              if (k === 'bind') return (...v: unknown[]) => wrapStmt(t.bind(...v))
              if (k === 'all' || k === 'run')
                return async () => {
                  const r = await t.all()
                  m.d1RowsRead += r.meta.rows_read
                  return r
                }
              if (k === 'first')
                return async (col?: string) => {
                  const r = await t.all<Record<string, unknown>>()
                  m.d1RowsRead += r.meta.rows_read
                  const row = r.results[0] ?? null
                  return col === undefined || row === null ? row : row[col]
                }
              return Reflect.get(t, k, t)
            },
          })
        return wrapStmt(target.prepare(sql))
      }
    },
  })
  const state = stateLayout({ DB: d1, ACCOUNT_SHARDS: counting as unknown as StateEnv['ACCOUNT_SHARDS'] }, projectId, shards)
  return { state, m }
}

it('CS reads of a sharded project: latency unsharded vs 4 shards, shard calls and rows read per request', async () => {
  const plain = await newProject('bench1')
  const sharded = await newShardedProject('bench4', 4)
  const started = Date.now()
  await seed(stateLayout(env, plain.id, 1))
  await seed(stateLayout(env, sharded.id, 4))
  console.log(`seeded ${ACCOUNTS} accounts × ${USERS} users × ${DAYS} days twice in ${Date.now() - started} ms`)

  const setups: [string, TestProject][] = [
    ['unsharded', plain],
    ['4 shards', sharded],
  ]
  const get = async (path: string, key: string) => {
    const t = performance.now()
    const res = await SELF.fetch(`http://uptake.test/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } })
    const body = await res.text()
    expect(res.status, body.slice(0, 300)).toBe(200)
    return { ms: performance.now() - t, body }
  }
  // warm both (isolate caches, DO start-up) and check they answer alike
  for (const path of ['/accounts?limit=500', '/accounts/a007', '/health/retention', '/widget-errors']) {
    const [a, b] = [await get(path, plain.readKey), await get(path, sharded.readKey)]
    expect(b.body, path).toBe(a.body)
  }
  const times: Record<string, Record<string, number[]>> = {}
  const add = (setup: string, what: string, ms: number) => ((times[setup] ??= {})[what] ??= []).push(ms)
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, p] of round % 2 ? [...setups].reverse() : setups) {
      add(name, 'list limit=100', (await get('/accounts', p.readKey)).ms)
      add(name, 'list limit=500', (await get('/accounts?limit=500', p.readKey)).ms)
      for (let i = 0; i < DETAIL_PER_ROUND; i++)
        add(name, 'account 360', (await get(`/accounts/a${String((round * 37 + i * 9) % ACCOUNTS).padStart(3, '0')}`, p.readKey)).ms)
      add(name, 'retention', (await get('/health/retention', p.readKey)).ms)
      add(name, 'widget errors', (await get('/widget-errors', p.readKey)).ms)
    }
  const table: Record<string, Record<string, string>> = {}
  for (const [setup, byWhat] of Object.entries(times))
    for (const [what, xs] of Object.entries(byWhat))
      (table[what] ??= {})[setup] = `p50 ${r1(pct(xs, 0.5))} ms, p95 ${r1(pct(xs, 0.95))} ms (n=${xs.length})`
  for (const [what, row] of Object.entries(table)) console.log(what, JSON.stringify(row))

  // per request: shard calls and rows read, store level (the route adds findAccount / the cached N read on D1)
  const since = day(DAYS - 1)
  const cost: Record<string, Record<string, string>> = {}
  for (const [name, p, n] of [
    ['unsharded', plain, 1],
    ['4 shards', sharded, 4],
  ] as const) {
    for (const [what, run] of [
      ['list limit=100', (s: ProjectState) => accountSummaries(s, since, { limit: 100 })],
      ['list limit=500', (s: ProjectState) => accountSummaries(s, since, { limit: 500 })],
      ['account 360', (s: ProjectState) => accountActivity(s, 'a007', since)],
      ['retention cohort', (s: ProjectState) => outcomeCohortOf(s, 30)],
      ['widget errors', (s: ProjectState) => widgetErrorsOf(s, NOW - 7 * DAY_MS)],
    ] as const) {
      const { state, m } = metered(p.id, n)
      await run(state)
      ;(cost[what] ??= {})[name] = `${m.calls} DO calls, D1 rows read ${m.d1RowsRead}, shard rows read ${m.shardRowsRead}`
    }
  }
  for (const [what, row] of Object.entries(cost)) console.log(what, JSON.stringify(row))
})
