// Ingest into a sharded project (issue 13): the same Segment traffic sent to an unsharded project and to a 4-shard one
// stores the same user-grain rows (in the shards, none in D1) and the same accounts (in D1), counts nothing twice on a
// redelivery, moves a user whose account changes, purges per shard and reports status over every shard.
import { createExecutionContext, createMessageBatch, env } from 'cloudflare:test'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import worker from '../../worker/src/index'
import { createApp } from '../../worker/src/app'
import { storeIngest } from '../../worker/src/ingest/consumer'
import type { IngestMessage } from '../../worker/src/ingest/messages'
import { toMessages } from '../../worker/src/ingest/messages'
import { emptyFeatureIndex, trackTagger } from '../../worker/src/features/classify'
import { toEventRow } from '../../worker/src/ingest/normalize'
import { purgeExpiredEvents } from '../../worker/src/ingest/purge-store'
import { projectIngestCounts } from '../../worker/src/ingest/status-store'
import { directoryAccounts, projectState, shardKeyOf, shardOf } from '../../worker/src/shards'
import { api, newProject, post, type TestProject } from './fixtures'
import { recordingQueue } from './queue-fixtures'
import { insertStateRows, newShardedProject, rowsOnEveryShard, rowsPerShard } from './state-fixtures'

const DAY = 86_400_000
const NOW = Date.now()
// every event in the past (a future timestamp is clamped to the receipt, which differs between the two projects)
const at = (daysAgo: number, minute = 0) => new Date(NOW - daysAgo * DAY - 3_600_000 + minute * 60_000).toISOString()
const ACCOUNTS = Array.from({ length: 10 }, (_, i) => `acct_${i}`)

/** The user-grain tables ingest writes, each read in a stable column list (ingest ids differ between projects). */
const USER_GRAIN: Record<string, string> = {
  users: 'SELECT id, account_id, traits_json, first_seen, last_seen FROM users WHERE project_id = ?1',
  user_days:
    'SELECT user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version FROM user_days WHERE project_id = ?1',
  user_event_days: 'SELECT user_id, name, day, account_id, n, amount FROM user_event_days WHERE project_id = ?1',
  user_feature_days: 'SELECT user_id, feature_key, day, account_id, n, amount FROM user_feature_days WHERE project_id = ?1',
  event_ids: 'SELECT message_id, received_day FROM event_ids WHERE project_id = ?1',
  events: 'SELECT message_id, type, name, user_id, anonymous_id, account_id, ts, properties_json FROM events WHERE project_id = ?1',
}
const ACCOUNT_ROWS = 'SELECT id, name, traits_json, first_seen, last_seen FROM accounts WHERE project_id = ?1'

const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort()

/** Every user-grain table of a project, rows over all its shards, sorted. */
async function userGrain(p: TestProject) {
  const out: Record<string, string[]> = {}
  for (const [table, sql] of Object.entries(USER_GRAIN)) out[table] = sorted(await rowsOnEveryShard(p.id, sql))
  return out
}
const accountsOf = async (p: TestProject) => sorted((await env.DB.prepare(ACCOUNT_ROWS).bind(p.id).all()).results)
const inD1 = (p: TestProject, table: string) =>
  env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`).bind(p.id).first<number>('n')

/**
 * Deterministic traffic: widget-shaped batches (one user, page/track/nudge events, the account in context.groupId) and
 * backend-shaped ones (many users and accounts per batch, identify/group/track), users without accounts, anonymous events.
 */
function traffic(tag: string) {
  let n = 0
  const id = () => `${tag}-${++n}`
  const widget: unknown[][] = []
  for (const [a, account] of ACCOUNTS.slice(0, 6).entries())
    for (const u of [0, 1]) {
      const userId = `${account}-w${u}`
      const ctx = { groupId: account, page: { path: '/home' }, sessionId: `s-${userId}` }
      widget.push([
        { type: 'identify', messageId: id(), userId, traits: { email: `${userId}@x.test` }, timestamp: at(3), context: ctx },
        { type: 'page', messageId: id(), userId, name: 'Home', timestamp: at(3, 1), context: ctx },
        { type: 'track', messageId: id(), userId, event: 'Report Exported', timestamp: at(2, a), context: ctx },
        {
          type: 'track',
          messageId: id(),
          userId,
          event: '$nudge_shown',
          properties: { nudge: 'tip' },
          timestamp: at(2, a + 1),
          context: ctx,
        },
        {
          type: 'track',
          messageId: id(),
          userId,
          event: '$nudge_dismissed',
          properties: { nudge: 'tip' },
          timestamp: at(2, a + 2),
          context: ctx,
        },
        {
          type: 'track',
          messageId: id(),
          userId,
          event: 'Invoice Created',
          properties: { revenue: 5 + a },
          timestamp: at(1, u),
          context: ctx,
        },
      ])
    }
  // users without an account, and an anonymous visitor
  widget.push([
    { type: 'identify', messageId: id(), userId: 'solo-1', traits: { plan: 'free' }, timestamp: at(2) },
    { type: 'track', messageId: id(), userId: 'solo-1', event: 'Report Exported', timestamp: at(2, 5) },
    { type: 'track', messageId: id(), userId: 'solo-1', event: '$nudge_shown', properties: { nudge: 'tip' }, timestamp: at(2, 6) },
  ])
  widget.push([{ type: 'page', messageId: id(), anonymousId: 'anon-1', name: 'Pricing', timestamp: at(1) }])
  const backend: unknown[][] = []
  for (let b = 0; b < 3; b++) {
    const batch: unknown[] = []
    for (const [a, account] of ACCOUNTS.entries()) {
      const userId = `${account}-b${b}`
      batch.push({
        type: 'group',
        messageId: id(),
        userId,
        groupId: account,
        traits: { name: account.toUpperCase(), seats: a + b },
        timestamp: at(4),
      })
      batch.push({ type: 'identify', messageId: id(), userId, traits: { role: b ? 'member' : 'admin' }, timestamp: at(4, 1) })
      for (let d = 0; d < 3; d++) batch.push({ type: 'track', messageId: id(), userId, event: 'Report Exported', timestamp: at(d, a) })
      batch.push({ type: 'track', messageId: id(), userId, event: 'Invoice Created', properties: { revenue: a }, timestamp: at(0, a) })
    }
    batch.push({ type: 'track', messageId: id(), userId: `solo-b${b}`, event: 'Report Exported', timestamp: at(1) })
    backend.push(batch)
  }
  return { widget, backend, all: [...widget, ...backend] }
}

async function features(p: TestProject) {
  const feature = { name: 'Export', kind: 'feature', core: true, rules: [{ match: 'event', event: 'Report Exported' }] }
  expect((await api('/features/report.export', p.adminKey, { method: 'PUT', body: JSON.stringify(feature) })).status).toBe(201)
}

async function send(p: TestProject, batches: unknown[][]) {
  const out: { accepted: number; duplicates: number }[] = []
  for (const batch of batches) {
    const res = await post('/v1/batch', { writeKey: p.writeKey, batch })
    expect(res.status).toBe(200)
    out.push(await res.json())
  }
  return out
}

/** Checks that the sharded project holds what the plain one does, in its shards, spread out, and nothing in D1. */
async function expectSameState(plain: TestProject, sharded: TestProject) {
  const a = await userGrain(plain)
  const b = await userGrain(sharded)
  for (const table of Object.keys(USER_GRAIN)) {
    expect(a[table].length, table).toBeGreaterThan(0)
    expect(b[table], table).toEqual(a[table])
    expect(await inD1(sharded, table), table).toBe(0)
    expect((await rowsPerShard(sharded.id, table)).filter((n) => n > 0).length, table).toBeGreaterThan(1)
  }
  expect(await accountsOf(sharded)).toEqual(await accountsOf(plain))
  expect((await accountsOf(sharded)).length).toBe(ACCOUNTS.length)
  // the shard copies of the account-grain tables stay empty
  expect(await rowsOnEveryShard(sharded.id, 'SELECT id FROM accounts WHERE project_id = ?1')).toEqual([])
}

describe('ingest into a sharded project (POST /v1/batch, written inline)', { timeout: 60_000 }, () => {
  let plain: TestProject
  let sharded: TestProject
  const t = traffic('http')

  beforeAll(async () => {
    plain = await newProject('ingest-plain')
    sharded = await newShardedProject('ingest-sharded', 4)
    for (const p of [plain, sharded]) {
      await features(p)
      await send(p, t.all)
    }
  }, 60_000)

  it('stores the same user-grain rows in the shards (spread over more than one, none in D1) and the same accounts in D1', async () => {
    await expectSameState(plain, sharded)
  })

  it('keeps each user and their rollups in the shard of their account, and records every user in the directory', async () => {
    const state = await projectState(env, sharded.id)
    for (const { index, db } of state.all()) {
      const { results } = await db
        .prepare('SELECT id, account_id FROM users WHERE project_id = ?1')
        .bind(sharded.id)
        .all<{ id: string; account_id: string | null }>()
      for (const u of results) expect(shardOf(shardKeyOf(u.account_id, u.id), 4), u.id).toBe(index)
      const days = await db
        .prepare('SELECT user_id, account_id FROM user_days WHERE project_id = ?1')
        .bind(sharded.id)
        .all<{ user_id: string; account_id: string | null }>()
      for (const d of days.results) expect(shardOf(shardKeyOf(d.account_id, d.user_id), 4)).toBe(index)
    }
    const users = await rowsOnEveryShard<{ id: string; account_id: string | null }>(
      sharded.id,
      'SELECT id, account_id FROM users WHERE project_id = ?1',
    )
    const directory = await directoryAccounts(
      env.DB,
      sharded.id,
      users.map((u) => u.id),
    )
    expect(users.map((u) => [u.id, directory.get(u.id)]).sort()).toEqual(users.map((u) => [u.id, u.account_id]).sort())
    // an unsharded project keeps no directory
    expect(await inD1(plain, 'user_directory')).toBe(0)
  })

  it('a re-sent batch stores nothing twice', async () => {
    const before = await userGrain(sharded)
    const accountsBefore = await accountsOf(sharded)
    const answers = await send(sharded, t.all)
    expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(0)
    expect(await userGrain(sharded)).toEqual(before)
    expect(await accountsOf(sharded)).toEqual(accountsBefore)
  })

  it('GET /api/v1/ingest/status sums the dedupe keys of every shard', async () => {
    const a = await (await api('/ingest/status', plain.adminKey)).json<{ stored_events: number }>()
    const b = await (await api('/ingest/status', sharded.adminKey)).json<{ stored_events: number; stored_events_capped: boolean }>()
    expect(a.stored_events).toBeGreaterThan(100)
    expect(b.stored_events).toBe(a.stored_events)
    expect(b.stored_events_capped).toBe(false)
    const perShard = await rowsPerShard(sharded.id, 'event_ids')
    expect(Math.max(...perShard)).toBeLessThan(b.stored_events)
    // the cap holds over the total: exact below it, capped at it, whichever shards hold the keys
    const state = await projectState(env, sharded.id)
    const total = b.stored_events
    expect(await projectIngestCounts(state, total)).toEqual({ storedEvents: total, storedCapped: true, deadLetters: 0 })
    expect(await projectIngestCounts(state, total + 1)).toEqual({ storedEvents: total, storedCapped: false, deadLetters: 0 })
    expect(await projectIngestCounts(state, Math.max(...perShard) + 1)).toMatchObject({
      storedEvents: Math.max(...perShard) + 1,
      storedCapped: true,
    })
  })
})

/** The worker's env in queue mode: INGEST_DIRECT unset, the producer recorded. */
function queueEnv() {
  const recorder = recordingQueue<IngestMessage>()
  return { recorder, env: { ...env, INGEST_DIRECT: undefined, INGEST_QUEUE: recorder.queue } as typeof env }
}

async function deliver(messages: IngestMessage[], workerEnv: typeof env) {
  const batch = createMessageBatch(
    'uptake-ingest',
    messages.map((body, i) => ({ id: `q-${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })),
  )
  await worker.queue(batch as MessageBatch<unknown>, workerEnv)
}

describe('ingest into a sharded project through the queue consumer', { timeout: 60_000 }, () => {
  it('stores the same rows as an unsharded project, and a redelivered consumer batch stores nothing twice', async () => {
    const plain = await newProject('queue-plain')
    const sharded = await newShardedProject('queue-sharded', 4)
    const t = traffic('queue')
    for (const p of [plain, sharded]) {
      await features(p)
      const q = queueEnv()
      const ctx = createExecutionContext()
      for (const batch of t.all) {
        const res = await worker.fetch!(
          new Request('http://uptake.test/v1/batch', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ writeKey: p.writeKey, batch }),
          }) as Request<unknown, IncomingRequestCfProperties>,
          q.env,
          ctx,
        )
        expect(res.status).toBe(200)
      }
      expect(await inD1(p, 'event_ids')).toBe(0)
      // one consumer batch of every request, then the same batch again (a redelivery)
      await deliver(q.recorder.sent, q.env)
      const once = await userGrain(p)
      await deliver(q.recorder.sent, q.env)
      expect(await userGrain(p)).toEqual(once)
    }
    await expectSameState(plain, sharded)
  })
})

describe('a user whose account moves to another shard', { timeout: 60_000 }, () => {
  // accounts in three different shards of 4, none in the shard of the user's own key
  const user = 'mover'
  const shards = 4
  const own = shardOf(shardKeyOf(null, user), shards)
  const [first, second] = (() => {
    const picked: string[] = []
    for (let i = 0; picked.length < 2; i++) {
      const a = `acct_m${i}`
      const s = shardOf(a, shards)
      if (s !== own && !picked.some((p) => shardOf(p, shards) === s)) picked.push(a)
    }
    return picked
  })()
  const batches = [
    [
      { type: 'identify', messageId: 'mv-1', userId: user, traits: { email: 'm@x.test' }, timestamp: at(3) },
      { type: 'track', messageId: 'mv-2', userId: user, event: 'Report Exported', timestamp: at(3, 1) },
    ],
    [
      { type: 'group', messageId: 'mv-3', userId: user, groupId: first, traits: { name: 'First' }, timestamp: at(2) },
      { type: 'track', messageId: 'mv-4', userId: user, event: 'Report Exported', timestamp: at(2, 1) },
      { type: 'track', messageId: 'mv-4s', userId: user, event: '$nudge_shown', properties: { nudge: 'tip' }, timestamp: at(2, 3) },
      { type: 'track', messageId: 'mv-4n', userId: user, event: '$nudge_dismissed', properties: { nudge: 'tip' }, timestamp: at(2, 4) },
    ],
    [{ type: 'track', messageId: 'mv-5', userId: user, event: 'Report Exported', timestamp: at(2, 2) }],
    [
      { type: 'group', messageId: 'mv-6', userId: user, groupId: second, traits: { name: 'Second' }, timestamp: at(1) },
      { type: 'identify', messageId: 'mv-7', userId: user, traits: { role: 'owner' }, timestamp: at(1, 1) },
      { type: 'track', messageId: 'mv-8', userId: user, event: 'Report Exported', timestamp: at(1, 2) },
    ],
    [{ type: 'track', messageId: 'mv-9', userId: user, event: 'Report Exported', timestamp: at(0) }],
  ]

  it('moves their row, nudge states, score and decision context, keeps past rollups as the old account history, and routes new events to the new shard', async () => {
    const plain = await newProject('move-plain')
    const sharded = await newShardedProject('move-sharded', shards)
    const state = await projectState(env, sharded.id)
    await send(plain, batches.slice(0, 3))
    await send(sharded, batches.slice(0, 3))
    // the user lives under `first` now; a decision context there must leave with them
    const firstShard = state.forAccount(first)
    expect(
      await firstShard.prepare('SELECT account_id FROM users WHERE project_id = ?1 AND id = ?2').bind(sharded.id, user).first('account_id'),
    ).toBe(first)
    expect(
      await state
        .shard(own)
        .prepare('SELECT id FROM users WHERE project_id = ?1')
        .bind(sharded.id)
        .all()
        .then((r) => r.results),
    ).toEqual([])
    await firstShard
      .prepare(
        "INSERT OR REPLACE INTO user_contexts (project_id, user_id, account_id, context_json, updated_at) VALUES (?1, ?2, ?3, '{}', 1)",
      )
      .bind(sharded.id, user, first)
      .run()
    await firstShard
      .prepare(
        "INSERT INTO user_scores (project_id, user_id, account_id, score, profile, measures_json, computed_at) VALUES (?1, ?2, ?3, 0.5, 'p', '{}', 1)",
      )
      .bind(sharded.id, user, first)
      .run()
    expect(await firstShard.prepare('SELECT COUNT(*) AS n FROM nudge_states WHERE project_id = ?1').bind(sharded.id).first('n')).toBe(1)
    await send(plain, batches.slice(3))
    await send(sharded, batches.slice(3))

    const secondShard = state.forAccount(second)
    const usersIn = (db: D1Database) =>
      db
        .prepare('SELECT id, account_id FROM users WHERE project_id = ?1')
        .bind(sharded.id)
        .all()
        .then((r) => r.results)
    expect(await usersIn(secondShard)).toEqual([{ id: user, account_id: second }])
    expect(await usersIn(firstShard)).toEqual([])
    // the user's own rows go with them (nudge states and the last score as they were), the decision context is rebuilt there
    const count = (db: D1Database, table: string) =>
      db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`).bind(sharded.id).first('n')
    for (const table of ['user_contexts', 'nudge_states', 'user_scores']) expect(await count(firstShard, table), table).toBe(0)
    expect(await count(secondShard, 'nudge_states')).toBe(1)
    expect(await count(secondShard, 'user_contexts')).toBe(1)
    expect(
      await secondShard.prepare('SELECT account_id, score, measures_json FROM user_scores WHERE project_id = ?1').bind(sharded.id).first(),
    ).toEqual({
      account_id: first,
      score: 0.5,
      measures_json: '{}',
    })
    const states = 'SELECT user_id, nudge_key, account_id, exposure, shows, dismissed_at FROM nudge_states WHERE project_id = ?1'
    expect(sorted(await rowsOnEveryShard(sharded.id, states))).toEqual(sorted(await rowsOnEveryShard(plain.id, states)))
    // history: each day's rollup stays in the shard of the account it was counted under
    const days = async (db: D1Database) =>
      (await db.prepare('SELECT day, account_id, events FROM user_days WHERE project_id = ?1 ORDER BY day').bind(sharded.id).all()).results
    expect((await days(state.shard(own))).map((d) => d.account_id)).toEqual([null])
    expect((await days(firstShard)).map((d) => d.account_id)).toEqual([first])
    expect((await days(secondShard)).map((d) => d.account_id)).toEqual([second, second])
    expect((await directoryAccounts(env.DB, sharded.id, [user])).get(user)).toBe(second)
    // and over all shards it is what the unsharded project holds (the moves fell on different days), traits and first seen carried
    expect(await userGrain(sharded)).toEqual(await userGrain(plain))
    expect(await accountsOf(sharded)).toEqual(await accountsOf(plain))
  })

  it('the known limit: a resend without groupId of an event sent before the move counts again in the new shard', async () => {
    const plain = await newProject('move-limit-plain')
    const sharded = await newShardedProject('move-limit', shards)
    for (const p of [plain, sharded]) await send(p, batches.slice(0, 4))
    // mv-5 was counted under `first`; the user now lives under `second`, whose shard has no dedupe key for it
    const [again] = await send(sharded, batches.slice(2, 3))
    expect(again.accepted).toBe(1)
    const [plainAgain] = await send(plain, batches.slice(2, 3))
    expect(plainAgain.accepted).toBe(0)
  })

  it('a redelivery after a crash before the directory was written finishes the move and counts nothing twice', async () => {
    const sharded = await newShardedProject('move-crash', shards)
    const state = await projectState(env, sharded.id)
    await send(sharded, batches.slice(0, 3))
    await send(sharded, batches.slice(3, 4))
    const after = await userGrain(sharded)
    // the crash: the shards were written, the old rows deleted, but the directory still names the old account
    await env.DB.prepare('UPDATE user_directory SET account_id = ?3 WHERE project_id = ?1 AND user_id = ?2')
      .bind(sharded.id, user, first)
      .run()
    await state
      .forAccount(first)
      .prepare("INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen) VALUES (?1, ?2, ?3, '{}', 0, 0)")
      .bind(sharded.id, user, first)
      .run()
    const [redelivered] = await send(sharded, batches.slice(3, 4))
    expect(redelivered.accepted).toBe(0)
    expect(await userGrain(sharded)).toEqual(after)
    expect((await directoryAccounts(env.DB, sharded.id, [user])).get(user)).toBe(second)
  })
})

describe('dedupe purge and hot-event retention per shard', { timeout: 60_000 }, () => {
  const OLD_DAY = new Date(NOW - 20 * DAY).toISOString().slice(0, 10)
  const FRESH_DAY = new Date(NOW - DAY).toISOString().slice(0, 10)

  it('the daily run purges expired keys and old hot events on every shard, each with its own cursor', async () => {
    const sharded = await newShardedProject('purge-sharded', 4)
    const users = Array.from({ length: 40 }, (_, i) => `pu${i}`)
    const where = (r: Record<string, string | number | null>) => ({ accountId: null, userId: String(r.message_id).split(':')[0] })
    await insertStateRows(
      sharded.id,
      'event_ids',
      users.flatMap((u) => [
        { message_id: `${u}:old`, ingest_id: 's', received_day: OLD_DAY },
        { message_id: `${u}:new`, ingest_id: 's', received_day: FRESH_DAY },
      ]),
      where,
    )
    await insertStateRows(
      sharded.id,
      'events',
      users.map((u) => ({
        message_id: `${u}:hot`,
        type: 'track',
        kind: 'system',
        name: '$nudge_shown',
        user_id: u,
        ts: NOW - 100 * DAY,
        received_at: NOW - 100 * DAY,
      })),
    )
    const spread = await rowsPerShard(sharded.id, 'event_ids')
    expect(spread.filter((n) => n > 0).length).toBeGreaterThan(1)
    // without the shard binding the sharded project is skipped, not a failure of the whole purge
    expect(await purgeExpiredEvents(env.DB, NOW)).toBeGreaterThanOrEqual(0)
    expect((await rowsPerShard(sharded.id, 'event_ids')).reduce((a, b) => a + b, 0)).toBe(80)
    await purgeExpiredEvents(env.DB, NOW, 200, env.ACCOUNT_SHARDS)
    const left = await rowsOnEveryShard<{ message_id: string }>(sharded.id, 'SELECT message_id FROM event_ids WHERE project_id = ?1')
    expect(left.map((r) => r.message_id).sort()).toEqual(users.map((u) => `${u}:new`).sort())
    expect((await rowsPerShard(sharded.id, 'events')).reduce((a, b) => a + b, 0)).toBe(0)
    const cursors = await rowsOnEveryShard<{ passes: number }>(sharded.id, 'SELECT passes FROM dedupe_purge_cursors WHERE project_id = ?1')
    expect(cursors).toHaveLength(4)
    for (const c of cursors) expect(c.passes).toBeGreaterThanOrEqual(1)
    expect(await inD1(sharded, 'dedupe_purge_cursors')).toBe(0)
  })

  it('a consumer write steps the purge on the shards it wrote', async () => {
    const sharded = await newShardedProject('purge-consumer', 4)
    const state = await projectState(env, sharded.id)
    const user = 'pc-user'
    const home = shardOf(shardKeyOf(null, user), 4)
    await insertStateRows(sharded.id, 'event_ids', [{ message_id: 'expired', ingest_id: 's', received_day: OLD_DAY }], () => ({
      accountId: null,
      userId: user,
    }))
    const now = Date.now()
    const rows = [0, 1, 2].map((i) =>
      toEventRow(
        { type: 'track', messageId: `pc-${i}`, userId: user, event: 'X', timestamp: new Date(now).toISOString() },
        { receivedAt: now, tagTrack: trackTagger(emptyFeatureIndex()), newId: () => crypto.randomUUID() },
      ),
    )
    const random = vi.spyOn(Math, 'random').mockReturnValue(0)
    try {
      await deliver(toMessages({ v: 1, projectId: sharded.id, receivedAt: now, trusted: false }, rows), {
        ...env,
        INGEST_DIRECT: undefined,
      } as typeof env)
    } finally {
      random.mockRestore()
    }
    const cursors = await Promise.all(
      state
        .all()
        .map(({ db }) => db.prepare('SELECT passes FROM dedupe_purge_cursors WHERE project_id = ?1').bind(sharded.id).first('passes')),
    )
    expect(cursors.map((c, i) => (c === null ? null : i))).toEqual(cursors.map((_, i) => (i === home ? home : null)))
    expect(
      await state
        .shard(home)
        .prepare('SELECT message_id FROM event_ids WHERE project_id = ?1 ORDER BY 1')
        .bind(sharded.id)
        .all()
        .then((r) => r.results.map((x) => x.message_id)),
    ).toEqual(['pc-0', 'pc-1', 'pc-2'])
  })
})

describe('POST /api/v1/projects with state_shards', { timeout: 60_000 }, () => {
  const OPERATOR = 'op_0123456789abcdefghijklmnop'
  const app = createApp()
  const create = (body: unknown, bindings: Partial<typeof env> = {}) =>
    app.request(
      '/api/v1/projects',
      { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` }, body: JSON.stringify(body) },
      { ...env, UPTAKE_OPERATOR_KEY: OPERATOR, ...bindings },
    )
  const stored = (id: string) => env.DB.prepare('SELECT state_shards FROM projects WHERE id = ?1').bind(id).first('state_shards')
  const newId = () => `shards-${crypto.randomUUID().slice(0, 8)}`

  it('creates a project with N state shards, fixed from then on, and 1 by default', async () => {
    const id = newId()
    const res = await create({ name: 'Big', id, state_shards: 8 })
    expect(res.status).toBe(201)
    expect((await res.json<{ project: { state_shards: number } }>()).project.state_shards).toBe(8)
    expect(await stored(id)).toBe(8)
    expect((await projectState(env, id)).shards).toBe(8)
    const plainId = newId()
    const plain = await create({ name: 'Small', id: plainId })
    expect((await plain.json<{ project: { state_shards: number } }>()).project.state_shards).toBe(1)
    expect(await stored(plainId)).toBe(1)
  })

  it('refuses a count that is not a power of two from 1 to 256, with a clear message', async () => {
    for (const n of [0, 3, 6, 512, -4, 2.5, '4', null]) {
      const id = newId()
      const res = await create({ name: 'Bad', id, state_shards: n })
      expect(res.status, String(n)).toBe(400)
      const body = await res.json<{ error: { code: string; message: string; details?: unknown } }>()
      expect(JSON.stringify(body.error), String(n)).toMatch(/state_shards/)
      expect(await stored(id)).toBeNull()
    }
    const body = await (await create({ name: 'Bad', id: newId(), state_shards: 3 })).json<{ error: unknown }>()
    expect(JSON.stringify(body)).toMatch(/power of two/)
  })

  it('refuses more than one shard on a deployment without the ACCOUNT_SHARDS binding', async () => {
    const id = newId()
    const res = await create({ name: 'NoDO', id, state_shards: 2 }, { ACCOUNT_SHARDS: undefined })
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/ACCOUNT_SHARDS/)
    expect(await stored(id)).toBeNull()
    expect((await create({ name: 'NoDO', id, state_shards: 1 }, { ACCOUNT_SHARDS: undefined })).status).toBe(201)
  })
})

/** Rows written per 1,000 events and shard (DO) calls per consumer write, unsharded vs 4 shards (issue 13, item 6). */
describe('what a sharded write costs', { timeout: 60_000 }, () => {
  /** Widget-shaped: 40 users of 20 accounts, 5 requests of 10 events each; backend-shaped: 20 requests of 50 events from 400 users of 100 accounts. */
  function load(shape: 'widget' | 'backend') {
    const requests: unknown[][] = []
    if (shape === 'widget') {
      for (let r = 0; r < 5; r++)
        for (let u = 0; u < 40; u++) {
          const context = { groupId: `acct_${u % 20}`, page: { path: '/app' } }
          requests.push(
            Array.from({ length: 10 }, (_, i) =>
              i % 5 === 0
                ? { type: 'page', messageId: `w-${r}-${u}-${i}`, userId: `wu${u}`, name: 'App', timestamp: at(1, r * 10 + i), context }
                : {
                    type: 'track',
                    messageId: `w-${r}-${u}-${i}`,
                    userId: `wu${u}`,
                    event: `Action ${i % 3}`,
                    timestamp: at(1, r * 10 + i),
                    context,
                  },
            ),
          )
        }
    } else {
      for (let b = 0; b < 20; b++)
        requests.push(
          Array.from({ length: 50 }, (_, i) => {
            const u = (b * 50 + i) % 400
            return {
              type: 'track',
              messageId: `b-${b}-${i}`,
              userId: `bu${u}`,
              event: 'Synced',
              timestamp: at(1, b),
              context: { groupId: `acct_${u % 100}` },
            }
          }),
        )
    }
    return requests
  }

  function messagesOf(projectId: string, requests: unknown[][], perWrite: number) {
    const now = Date.now()
    const tagTrack = trackTagger(emptyFeatureIndex())
    const messages = requests.flatMap((batch) =>
      toMessages(
        { v: 1, projectId, receivedAt: now, trusted: false },
        batch.map((e) =>
          toEventRow(e as Parameters<typeof toEventRow>[0], { receivedAt: now, tagTrack, newId: () => crypto.randomUUID() }),
        ),
      ),
    )
    // `perWrite` requests folded into one consumer write, as the queue does
    const writes: IngestMessage[][] = []
    for (let i = 0; i < messages.length; i += perWrite) writes.push(messages.slice(i, i + perWrite))
    return writes
  }

  /** The shard namespace with every shard call counted, and whether ingest itself (not the nudge writes after it) made it. */
  function countingShards() {
    const counts = { all: 0, ingest: 0 }
    const ns = env.ACCOUNT_SHARDS!
    const INGEST = /^(SELECT message_id FROM event_ids|INSERT INTO users|INSERT INTO event_ids|DELETE FROM users)/
    const counted = {
      idFromName: (name: string) => ns.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = ns.get(id)
        return {
          execute: (statements: Parameters<typeof stub.execute>[0]) => {
            counts.all++
            if (statements.some((st) => INGEST.test(st.sql.trim()))) counts.ingest++
            return stub.execute(statements)
          },
        }
      },
    }
    return { ns: counted as unknown as typeof ns, counts }
  }

  it('writes the same state rows either way, plus one directory row per new user, in two shard calls per shard touched', async () => {
    const report: Record<string, unknown> = {}
    for (const [shape, perWrite] of [
      ['widget', 20],
      ['backend', 1],
    ] as const) {
      const requests = load(shape)
      const events = requests.reduce((n, b) => n + b.length, 0)
      const result: Record<
        number,
        { rows: number; d1: number; calls: number; ingestCalls: number; writes: number; users: number; touched: number }
      > = {}
      for (const n of [1, 4]) {
        const p = n === 1 ? await newProject(`cost-${shape}`) : await newShardedProject(`cost-${shape}`, n)
        const counting = countingShards()
        let rows = 0
        let d1 = 0
        let touched = 0
        const writes = messagesOf(p.id, requests, perWrite)
        for (const w of writes) {
          const stored = await storeIngest({ ...env, ACCOUNT_SHARDS: counting.ns }, p.id, w)
          rows += stored.rowsWritten
          d1 += n === 1 ? stored.rowsWritten : stored.controlRowsWritten
          touched += stored.insertedByShard.size
        }
        const users = (await rowsOnEveryShard(p.id, 'SELECT id FROM users WHERE project_id = ?1')).length
        result[n] = { rows, d1, calls: counting.counts.all, ingestCalls: counting.counts.ingest, writes: writes.length, users, touched }
      }
      const per1000 = (x: number) => Math.round((x * 1000) / events)
      report[shape] = {
        events,
        writes: result[4].writes,
        rows_written_per_1000: {
          unsharded: per1000(result[1].rows),
          shards_4: per1000(result[4].rows),
          shards_4_d1: per1000(result[4].d1),
          shards_4_in_shards: per1000(result[4].rows - result[4].d1),
        },
        shards_touched_per_write: result[4].touched / result[4].writes,
        do_calls_per_write: { ingest: result[4].ingestCalls / result[4].writes, with_nudge_writes: result[4].calls / result[4].writes },
      }
      expect(result[1].calls).toBe(0)
      // the same state and account rows, plus the directory's one per user (WITHOUT ROWID, no other index)
      expect(result[4].rows - result[1].rows).toBe(result[4].users)
      expect(result[4].d1).toBeGreaterThan(result[4].users)
      // ingest's own shard calls: one dedupe read and one write per shard touched, never one per row
      expect(result[4].ingestCalls).toBe(2 * result[4].touched)
    }
    console.log('BENCH sharded-ingest', JSON.stringify(report))
  }, 120_000)
})
