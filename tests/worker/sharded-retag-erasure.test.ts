// Re-tagging and erasure on sharded state (issue 13): the same traffic, ingested through POST /v1/batch into an
// unsharded and a 4-shard project, must end in the same rollups, contexts and archive after a rules change, a shard
// failing mid-page, and erasure of a user (one who moved accounts too) or of an account.
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { Feature } from '../../shared/features'
import { advanceRebuild, rebuildProgress, startRebuildStatements } from '../../worker/src/features/rebuild'
import { forgetFeatureIndex, upsertFeatureStatement } from '../../worker/src/features/store'
import type { AccountShard, ShardStatement, ShardStatementResult } from '../../worker/src/shards'
import { api, newProject, post, track, type TestProject } from './fixtures'
import { insertStateRows, newShardedProject, rowsOnEveryShard, rowsPerShard, stateOf, USER_GRAIN } from './state-fixtures'

const DAY = 86_400_000
const SHARDS = 4

/** What each user-grain table is compared on (columns D1 and the shard schema share; no project id). */
const COMPARED: Record<string, string> = {
  users: 'id, account_id',
  user_days: 'user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds',
  user_event_days: 'user_id, name, day, account_id, n, amount',
  user_feature_days: 'user_id, feature_key, day, account_id, n, amount',
  user_scores: 'user_id, account_id, score',
  nudge_states: 'user_id, nudge_key, account_id, shows',
  user_contexts: 'user_id, account_id, context_json',
  // the write ids and receipt days differ between the two projects' writes
  event_ids: 'message_id',
  events: 'message_id, type, user_id, anonymous_id, account_id, ts',
}

const feature = (rules: Feature['rules']): Feature => ({ key: 'f', name: 'F', kind: 'feature', core: false, rules })

/** A project's user-grain rows, table by table, sorted: D1's when unsharded, every shard's concatenated when sharded. */
async function stateRows(p: TestProject, tables = Object.keys(COMPARED)) {
  const out: Record<string, string[]> = {}
  for (const t of tables)
    out[t] = (await rowsOnEveryShard(p.id, `SELECT ${COMPARED[t]} FROM ${t} WHERE project_id = ?1`))
      // a user who moved shard: their context is built on the new shard from its rows alone (ingest leaves the old
      // rollups on the old shard), so it lacks the old account's feature days; not what re-tagging or erasure decide
      .filter((r) => t !== 'user_contexts' || r.user_id !== 'mover')
      .map((r) => JSON.stringify(r))
      .sort()
  return out
}

/** The sharded project keeps none of its user-grain rows in D1. */
async function noUserGrainInD1(p: TestProject) {
  for (const t of USER_GRAIN)
    expect(await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE project_id = ?1`).bind(p.id).first<number>('n'), t).toBe(0)
}

/** Every archived line of a project, as stored (sorted; erasure rewrites objects in place), without its receipt time. */
async function archiveLines(p: TestProject) {
  const listed = await env.RAW_EVENTS.list({ prefix: `raw/${p.id}/` })
  const texts = await Promise.all(
    listed.objects.map(async (o) =>
      new Response((await env.RAW_EVENTS.get(o.key))!.body.pipeThrough(new DecompressionStream('gzip'))).text(),
    ),
  )
  return texts
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { received_at: _, ...line } = JSON.parse(l) as Record<string, unknown>
      return JSON.stringify(line)
    })
    .sort()
}

/** Two accounts the 4-shard layout puts in different shards (so a user moving between them leaves rows in both). */
async function accountsOnTwoShards(p: TestProject): Promise<[string, string]> {
  const state = await stateOf(p.id)
  const ids = Array.from({ length: 8 }, (_, i) => `acct-${i}`)
  const other = ids.find((a) => state.indexOf(a, '') !== state.indexOf(ids[0], ''))!
  return [ids[0], other]
}

/**
 * The unsharded project's traffic: 8 accounts × 2 users over 3 days, 'A Done' / 'B Done' tracks with amounts, page
 * views, anonymous views of anon-1 two days before u1 signs in with it, and a mover who used `from` two days ago and
 * `to` today. `batches` requests per day (one archive object each).
 */
function traffic(from: string, to: string, usersPerAccount = 2, eventsPerUser = 3) {
  const days: unknown[][] = [[], [], []]
  for (let a = 0; a < 8; a++)
    for (let u = 0; u < usersPerAccount; u++) {
      const user = `u${a * usersPerAccount + u}`
      const groupId = `acct-${a}`
      for (let d = 0; d < 3; d++) {
        const timestamp = new Date(Date.now() - (2 - d) * DAY - (a + u) * 1000).toISOString()
        for (let i = 0; i < eventsPerUser; i++)
          days[d].push(
            track(user, (a + u + d + i) % 2 ? 'A Done' : 'B Done', {
              timestamp,
              properties: { amount: a + i },
              context: { groupId },
            }),
          )
        days[d].push({ messageId: crypto.randomUUID(), type: 'page', userId: user, name: 'Home', timestamp, context: { groupId } })
      }
    }
  const twoDaysAgo = new Date(Date.now() - 2 * DAY).toISOString()
  days[0].push(
    { messageId: crypto.randomUUID(), type: 'page', anonymousId: 'anon-1', name: 'Pricing', timestamp: twoDaysAgo },
    track('mover', 'A Done', { timestamp: twoDaysAgo, context: { groupId: from } }),
    track('mover', 'B Done', { timestamp: twoDaysAgo, context: { groupId: from } }),
  )
  days[2].push(
    {
      messageId: crypto.randomUUID(),
      type: 'identify',
      userId: 'u1',
      anonymousId: 'anon-1',
      traits: { email: 'ada@example.test' },
      timestamp: new Date().toISOString(),
    },
    { messageId: crypto.randomUUID(), type: 'group', userId: 'mover', groupId: to, timestamp: new Date().toISOString() },
    track('mover', 'A Done', { context: { groupId: to } }),
    track('mover', 'B Done', { context: { groupId: to } }),
  )
  return days
}

/** An unsharded project and a 4-shard one that ingested the same requests (rules: 'B Done' is f), nudge states and alerts. */
async function twins(opts: { usersPerAccount?: number; eventsPerUser?: number; requestsPerDay?: number } = {}) {
  const plain = await newProject('rt-plain')
  const sharded = await newShardedProject('rt-sharded', SHARDS)
  const [from, to] = await accountsOnTwoShards(sharded)
  for (const p of [plain, sharded])
    expect(
      (
        await api('/features/f', p.adminKey, {
          method: 'PUT',
          body: JSON.stringify({ name: 'F', rules: [{ match: 'event', event: 'B Done' }] }),
        })
      ).status,
    ).toBe(201)
  const requests = opts.requestsPerDay ?? 2
  for (const day of traffic(from, to, opts.usersPerAccount, opts.eventsPerUser)) {
    const size = Math.ceil(day.length / requests)
    for (let i = 0; i < day.length; i += size)
      for (const p of [plain, sharded])
        expect((await post('/v1/batch', { writeKey: p.writeKey, batch: day.slice(i, i + size) })).status).toBe(200)
  }
  const now = Date.now()
  // user-grain extras the erasure must find: nudge states (on the shard of the user's account now)
  const states = [
    ['u1', 'acct-0'],
    ['u2', 'acct-1'],
    ['mover', to],
  ].map(([user, account]) => ({ user_id: user, nudge_key: 'tip', account_id: account, exposure: 'shown', shows: 1, first_exposed_at: now }))
  for (const p of [plain, sharded]) {
    await insertStateRows(p.id, 'nudge_states', states)
    for (const account of ['acct-0', 'acct-1'])
      await env.DB.prepare(
        "INSERT INTO account_alerts (project_id, account_id, kind, alert_key, reason, payload_json, created_at) VALUES (?1, ?2, 'score_drop', ?2, 'dropped', '{}', ?3)",
      )
        .bind(p.id, account, now)
        .run()
  }
  return { plain, sharded, from, to }
}

/** Writes the feature and starts the job, as the route does, without running any page. */
async function changeRules(p: TestProject, rules: Feature['rules']) {
  await env.DB.batch([
    upsertFeatureStatement(env.DB, p.id, feature(rules), Date.now()),
    ...startRebuildStatements(env.DB, p.id, Date.now()),
  ])
  forgetFeatureIndex(p.id)
}

async function runToEnd(p: TestProject, runEnv: typeof env = env, pageSize = 10) {
  for (let i = 0; i < 100; i++) {
    const r = await advanceRebuild(runEnv, p.id, { pageSize })
    if (r.progress?.status === 'done') return r.progress
  }
  throw new Error('re-tagging did not finish')
}

/**
 * env with the project's shard `index` refusing every write (its transaction fails whole), as a shard that crashes
 * or times out mid-page; its reads and every other shard go through.
 */
function failingShard(projectId: string, index: number): typeof env {
  const ns = env.ACCOUNT_SHARDS as unknown as DurableObjectNamespace<AccountShard>
  const names = new Map<string, string>()
  const wrapped = {
    idFromName(name: string) {
      const id = ns.idFromName(name)
      names.set(id.toString(), name)
      return id
    },
    get(id: DurableObjectId) {
      const stub = ns.get(id)
      if (names.get(id.toString()) !== `${projectId}:${index}/${SHARDS}`) return stub
      return {
        execute(statements: ShardStatement[]): Promise<ShardStatementResult[]> {
          if (statements.some((s) => /^\s*(INSERT|UPDATE|DELETE)/i.test(s.sql))) return Promise.reject(new Error('shard down'))
          return stub.execute(statements) as Promise<ShardStatementResult[]>
        },
      }
    },
  }
  return { ...env, ACCOUNT_SHARDS: wrapped as unknown as typeof env.ACCOUNT_SHARDS }
}

const strip = (rows: Record<string, string[]>, ...ids: string[]) => {
  let s = JSON.stringify(rows)
  for (const id of ids) s = s.replaceAll(id, 'P')
  return JSON.parse(s) as Record<string, string[]>
}

describe('re-tagging a sharded project', { timeout: 120_000 }, () => {
  it('re-counts each shard from the archive and ends with the unsharded rollups and contexts', async () => {
    const { plain, sharded, from, to } = await twins()
    expect(await stateRows(sharded)).toEqual(await stateRows(plain))
    // the layout is real: rows spread over shards, the mover's rollups on two of them, nothing user-grain in D1
    expect((await rowsPerShard(sharded.id, 'user_feature_days')).filter((n) => n > 0).length).toBeGreaterThan(1)
    const state = await stateOf(sharded.id)
    const moverShards = new Set(
      (
        await Promise.all(
          state
            .all()
            .map(async ({ index, db }) =>
              (await db
                .prepare("SELECT COUNT(*) AS n FROM user_days WHERE project_id = ?1 AND user_id = 'mover'")
                .bind(sharded.id)
                .first<number>('n'))
                ? [index]
                : [],
            ),
        )
      ).flat(),
    )
    expect(moverShards).toEqual(new Set([state.indexOf(from, ''), state.indexOf(to, '')]))
    await noUserGrainInD1(sharded)
    const before = await stateRows(sharded)
    for (const p of [plain, sharded]) await changeRules(p, [{ match: 'event', event: 'A Done' }])
    const [a, b] = [await runToEnd(plain), await runToEnd(sharded)]
    expect(b).toMatchObject({ status: 'done', done: a.done, total: a.total, retagged: a.retagged })
    expect(a.retagged).toBeGreaterThan(20)
    const after = await stateRows(sharded)
    expect(strip(after, sharded.id)).toEqual(strip(await stateRows(plain), plain.id))
    // the rules changed the rollups (the comparison is not of two untouched copies)
    expect(after.user_feature_days).not.toEqual(strip(before, sharded.id).user_feature_days)
    // the mover's context is rewritten on their home shard only (the old shard held the rollups that changed)
    const contexts = await Promise.all(
      state
        .all()
        .map(({ db }) =>
          db
            .prepare("SELECT COUNT(*) AS n FROM user_contexts WHERE project_id = ?1 AND user_id = 'mover'")
            .bind(sharded.id)
            .first<number>('n'),
        ),
    )
    expect(contexts).toEqual(state.all().map(({ index }) => (index === state.indexOf(to, '') ? 1 : 0)))
    // each shard keeps the generation of the objects whose lines it counts; D1 none
    const versions = await rowsOnEveryShard<{ g: number }>(
      sharded.id,
      'SELECT rules_generation AS g FROM archive_tag_versions WHERE project_id = ?1',
    )
    expect(versions.length).toBeGreaterThan((await env.RAW_EVENTS.list({ prefix: `raw/${sharded.id}/` })).objects.length)
    expect(new Set(versions.map((v) => v.g))).toEqual(new Set([2]))
    await noUserGrainInD1(sharded)
  })

  it('after a shard fails mid-page, a resumed job skips the shards that committed and counts every line once', async () => {
    const { plain, sharded } = await twins()
    for (const p of [plain, sharded]) await changeRules(p, [{ match: 'event', event: 'A Done' }])
    await runToEnd(plain)
    const before = await stateRows(sharded, ['user_feature_days', 'user_days'])
    const state = await stateOf(sharded.id)
    // the shard holding most rollups fails; the others commit their part of the page
    const perShard = await rowsPerShard(sharded.id, 'user_feature_days')
    const failing = perShard.indexOf(Math.max(...perShard))
    await expect(advanceRebuild(failingShard(sharded.id, failing), sharded.id, { pageSize: 1000 })).rejects.toThrow(/shard down/)
    expect(await rebuildProgress(env.DB, sharded.id)).toMatchObject({ status: 'running', done: 0 })
    const moved = await Promise.all(
      state
        .all()
        .map(({ db }) =>
          db
            .prepare('SELECT COUNT(*) AS n FROM archive_tag_versions WHERE project_id = ?1 AND rules_generation = 2')
            .bind(sharded.id)
            .first<number>('n'),
        ),
    )
    expect(moved[failing]).toBe(0)
    expect(moved.filter((n) => n! > 0).length).toBeGreaterThan(0)
    // part of the delta landed: the rollups are neither the old nor the new ones yet
    expect(await stateRows(sharded, ['user_feature_days', 'user_days'])).not.toEqual(before)
    const done = await runToEnd(sharded, env, 1000)
    expect(done).toMatchObject({ status: 'done', done: (await rebuildProgress(env.DB, plain.id))!.done })
    const rollups = ['user_days', 'user_event_days', 'user_feature_days']
    expect(strip(await stateRows(sharded, rollups), sharded.id)).toEqual(strip(await stateRows(plain, rollups), plain.id))
  })
})

/** DELETE until done (202: bounded work ran out, call again); the counts of all calls summed. */
async function eraseByApi(p: TestProject, path: string) {
  const deleted: Record<string, number> = {}
  for (let calls = 1; calls < 20; calls++) {
    const res = await api(path, p.adminKey, { method: 'DELETE' })
    const body = await res.json<{ status: string; deleted: Record<string, number> }>()
    expect(res.status).toBe(body.status === 'done' ? 200 : 202)
    for (const [t, n] of Object.entries(body.deleted)) deleted[t] = (deleted[t] ?? 0) + n
    if (body.status === 'done') return { status: body.status, deleted }
  }
  throw new Error('erasure did not finish')
}

describe('erasure on a sharded project', { timeout: 120_000 }, () => {
  it('erases a user who moved accounts from every shard, their directory row and their archive lines, as unsharded', async () => {
    const { plain, sharded } = await twins()
    const ofMover = (p: TestProject) =>
      rowsOnEveryShard<{ n: number }>(p.id, "SELECT COUNT(*) AS n FROM user_days WHERE project_id = ?1 AND user_id = 'mover'")
    expect((await ofMover(sharded)).filter((r) => r.n > 0).length).toBe(2)
    for (const p of [plain, sharded]) await eraseByApi(p, '/users/mover')
    for (const p of [plain, sharded]) await eraseByApi(p, '/users/u1')
    expect(strip(await stateRows(sharded), sharded.id)).toEqual(strip(await stateRows(plain), plain.id))
    for (const user of ['mover', 'u1'])
      for (const [t, columns] of Object.entries(COMPARED)) {
        if (!/user_id|\bid\b/.test(columns)) continue
        const column = t === 'users' ? 'id' : 'user_id'
        const left = await rowsOnEveryShard<{ n: number }>(
          sharded.id,
          `SELECT COUNT(*) AS n FROM ${t} WHERE project_id = ?1 AND ${column} = ?2`,
          user,
        )
        expect(
          left.map((r) => r.n),
          `${t} ${user}`,
        ).toEqual([0, 0, 0, 0])
      }
    // u1's anonymous views before sign-in: gone from the archive and the hot events of every shard
    expect(await rowsOnEveryShard(sharded.id, "SELECT 1 FROM events WHERE project_id = ?1 AND anonymous_id = 'anon-1'")).toEqual([])
    expect(
      await env.DB.prepare("SELECT COUNT(*) AS n FROM user_directory WHERE project_id = ?1 AND user_id IN ('mover', 'u1')")
        .bind(sharded.id)
        .first('n'),
    ).toBe(0)
    expect(
      await env.DB.prepare('SELECT COUNT(*) AS n FROM user_directory WHERE project_id = ?1').bind(sharded.id).first('n'),
    ).toBeGreaterThan(10)
    const [a, b] = [await archiveLines(plain), await archiveLines(sharded)]
    expect(b).toEqual(a)
    expect(b.join('\n')).not.toMatch(/"mover"|anon-1|ada@example/)
    await noUserGrainInD1(sharded)
  })

  it("erases an account: its members everywhere, anyone's rows inside it on its shard, its D1 rows; a member who moved out stays", async () => {
    const { plain, sharded, from } = await twins()
    const body = await eraseByApi(sharded, `/accounts/${from}`)
    const reference = await eraseByApi(plain, `/accounts/${from}`)
    expect(body.deleted).toMatchObject({ accounts: 1, users: 2, account_alerts: 1 })
    expect(body.deleted.users).toBe(reference.deleted.users)
    expect(strip(await stateRows(sharded), sharded.id)).toEqual(strip(await stateRows(plain), plain.id))
    // the mover left `from`: what it did there is gone, the rest of it stays (on the other shard)
    const mover = await rowsOnEveryShard<{ n: number }>(
      sharded.id,
      "SELECT COUNT(*) AS n FROM user_days WHERE project_id = ?1 AND user_id = 'mover'",
    )
    expect(mover.filter((r) => r.n > 0).length).toBe(1)
    expect(await rowsOnEveryShard(sharded.id, 'SELECT 1 FROM user_days WHERE project_id = ?1 AND account_id = ?2', from)).toEqual([])
    for (const t of ['accounts', 'account_alerts'])
      expect(
        await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE project_id = ?1 AND ${t === 'accounts' ? 'id' : 'account_id'} = ?2`)
          .bind(sharded.id, from)
          .first('n'),
      ).toBe(0)
    expect(
      await env.DB.prepare("SELECT user_id FROM user_directory WHERE project_id = ?1 AND user_id IN ('u0', 'u1', 'mover') ORDER BY user_id")
        .bind(sharded.id)
        .all()
        .then((r) => r.results),
    ).toEqual([{ user_id: 'mover' }])
    expect(await archiveLines(sharded)).toEqual(await archiveLines(plain))
    await noUserGrainInD1(sharded)
  })

  it("erases an account's nudge states and user scores that a member who moved out carried to another shard, as unsharded", async () => {
    const plain = await newProject('rt-carried-plain')
    const sharded = await newShardedProject('rt-carried-sharded', SHARDS)
    const [from, to] = await accountsOnTwoShards(sharded)
    const now = Date.now()
    for (const p of [plain, sharded]) {
      const first = [track('mover', 'A Done', { context: { groupId: from } }), track('stays', 'A Done', { context: { groupId: from } })]
      expect((await post('/v1/batch', { writeKey: p.writeKey, batch: first })).status).toBe(200)
      // what the mover saw and was scored as while in `from`
      await insertStateRows(p.id, 'nudge_states', [
        { user_id: 'mover', nudge_key: 'tip', account_id: from, exposure: 'shown', shows: 1, first_exposed_at: now },
      ])
      await insertStateRows(p.id, 'user_scores', [
        { user_id: 'mover', account_id: from, score: 0.5, profile: 'default', measures_json: '{}', computed_at: now },
      ])
      // the move: ingest carries the states and the score to the new shard, still under `from` (as D1 keeps them)
      const move = [{ messageId: crypto.randomUUID(), type: 'group', userId: 'mover', groupId: to, timestamp: new Date().toISOString() }]
      expect((await post('/v1/batch', { writeKey: p.writeKey, batch: move })).status).toBe(200)
    }
    const tagged = (p: TestProject) =>
      Promise.all(
        ['nudge_states', 'user_scores'].map((t) =>
          rowsOnEveryShard(p.id, `SELECT user_id, account_id FROM ${t} WHERE project_id = ?1 ORDER BY user_id`),
        ),
      )
    expect(await tagged(sharded)).toEqual(await tagged(plain))
    expect((await tagged(sharded)).flat()).toHaveLength(2)
    for (const p of [plain, sharded]) await eraseByApi(p, `/accounts/${from}`)
    expect((await tagged(plain)).flat()).toEqual([])
    expect((await tagged(sharded)).flat()).toEqual([])
  })

  it('ends the same in many small calls (budget per call, shards resumed where the last call stopped)', async () => {
    const { plain, sharded } = await twins()
    const { eraseUser } = await import('../../worker/src/accounts/erasure-store')
    let calls = 0
    for (let r = await eraseUser(env, sharded.id, 'mover', { maxStatements: 12, chunk: 1, maxObjects: 1 }); r.status !== 'done'; calls++) {
      r = await eraseUser(env, sharded.id, 'mover', { maxStatements: 12, chunk: 1, maxObjects: 1 })
      expect(calls).toBeLessThan(200)
    }
    expect(calls).toBeGreaterThan(1)
    await eraseByApi(plain, '/users/mover')
    expect(strip(await stateRows(sharded), sharded.id)).toEqual(strip(await stateRows(plain), plain.id))
    expect(await archiveLines(sharded)).toEqual(await archiveLines(plain))
    expect((await env.RAW_EVENTS.list({ prefix: `erasure/${sharded.id}/` })).objects).toHaveLength(0)
  })
})
