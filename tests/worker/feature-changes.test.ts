import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import type { Feature } from '../../shared/features'
import { advanceRebuild, rebuildProgress, startRebuildStatements } from '../../worker/src/features/rebuild'
import { cachedTagging, forgetFeatureIndex, upsertFeatureStatement } from '../../worker/src/features/store'
import { readArchive } from '../../worker/src/ingest'
import worker from '../../worker/src/index'
import { api, newProject, post, track, type TestProject } from './fixtures'

const DAY = 86_400_000
const put = (p: TestProject, key: string, body: unknown) =>
  api(`/features/${key}`, p.adminKey, { method: 'PUT', body: JSON.stringify(body) })
const patch = (p: TestProject, key: string, body: unknown) =>
  api(`/features/${key}`, p.adminKey, { method: 'PATCH', body: JSON.stringify(body) })

const featureUses = (projectId: string, key: string) =>
  env.DB.prepare('SELECT COALESCE(SUM(n), 0) AS n FROM user_feature_days WHERE project_id = ?1 AND feature_key = ?2')
    .bind(projectId, key)
    .first<number>('n')

/** Rollups as a canonical string, to compare a paged rebuild with rollups built at ingest. */
async function rollupSnapshot(projectId: string) {
  const tables = ['user_days', 'user_event_days', 'user_feature_days']
  const out: unknown[] = []
  for (const t of tables)
    out.push((await env.DB.prepare(`SELECT * FROM ${t} WHERE project_id = ?1 ORDER BY 2, 3, 4`).bind(projectId).all()).results)
  return JSON.stringify(out)
}

const WRITE_TABLES = ['events', 'user_days', 'user_event_days', 'user_feature_days']

/** Counts every row written to raw events and rollups (SQLite triggers), whatever the code path. */
async function countWrites<T>(work: () => Promise<T>): Promise<{ result: T; writes: number }> {
  await env.DB.exec('CREATE TABLE IF NOT EXISTS test_row_writes (tbl TEXT NOT NULL)')
  await env.DB.exec('DELETE FROM test_row_writes')
  for (const t of WRITE_TABLES) {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      await env.DB.exec(
        `CREATE TRIGGER IF NOT EXISTS test_${t}_${op.toLowerCase()} AFTER ${op} ON ${t} BEGIN INSERT INTO test_row_writes VALUES ('${t}'); END`,
      )
    }
  }
  try {
    const result = await work()
    const writes = (await env.DB.prepare('SELECT COUNT(*) AS n FROM test_row_writes').first<number>('n')) ?? 0
    return { result, writes }
  } finally {
    for (const t of WRITE_TABLES)
      for (const op of ['insert', 'update', 'delete']) await env.DB.exec(`DROP TRIGGER IF EXISTS test_${t}_${op}`)
  }
}

afterEach(async () => {
  await env.DB.exec('DROP TABLE IF EXISTS test_row_writes')
})

describe('PUT and PATCH of a feature', () => {
  it('refuses a PUT without rules (400 naming the field) and keeps the stored rules', async () => {
    const p = await newProject('put')
    expect((await put(p, 'report.export', { name: 'Export', core: true, rules: [{ match: 'event', event: 'Exported' }] })).status).toBe(201)
    const res = await put(p, 'report.export', { name: 'Export', core: true })
    expect(res.status).toBe(400)
    const body = await res.json<{ error: { details: string[] } }>()
    expect(body.error.details.join(' ')).toMatch(/^rules: required/)
    const stored = await (await api('/features/report.export', p.readKey)).json<{ feature: Feature }>()
    expect(stored.feature.rules).toEqual([{ match: 'event', event: 'Exported' }])
  })

  it('names every missing field of a PUT', async () => {
    const p = await newProject('put')
    const res = await put(p, 'x', { core: true })
    expect(res.status).toBe(400)
    const details = (await res.json<{ error: { details: string[] } }>()).error.details
    expect(
      details
        .filter((d) => /required/.test(d))
        .map((d) => d.split(':')[0])
        .sort(),
    ).toEqual(['name', 'rules'])
  })

  it('changes only the fields a PATCH sends', async () => {
    const p = await newProject('patch')
    await put(p, 'report.export', { name: 'Export', kind: 'feature', rules: [{ match: 'event', event: 'Exported' }] })
    const res = await patch(p, 'report.export', { core: true, name: 'Export report' })
    expect(res.status).toBe(200)
    expect((await res.json<{ feature: Feature }>()).feature).toEqual({
      key: 'report.export',
      name: 'Export report',
      kind: 'feature',
      core: true,
      rules: [{ match: 'event', event: 'Exported' }],
    })
  })

  it('answers 404 for a PATCH of an unknown feature and 400 for an empty or unknown-field PATCH', async () => {
    const p = await newProject('patch')
    expect((await patch(p, 'nope', { core: true })).status).toBe(404)
    await put(p, 'x', { name: 'X', rules: [] })
    expect((await patch(p, 'x', {})).status).toBe(400)
    expect((await patch(p, 'x', { colour: 'red' })).status).toBe(400)
  })
})

describe('re-tagging stored events', () => {
  async function projectWithUse() {
    const p = await newProject('retag')
    await put(p, 'report.export', { name: 'Export', rules: [{ match: 'event', event: 'Report Exported' }] })
    const batch = [track('u1', 'Report Exported'), track('u2', 'Report Exported'), track('u1', 'Invoice Sent'), track('u3', 'Invoice Sent')]
    expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
    return p
  }

  it('writes no event or rollup row when only core or name changes', async () => {
    const p = await projectWithUse()
    const job = await rebuildProgress(env.DB, p.id)
    const { result, writes } = await countWrites(() => patch(p, 'report.export', { core: true, name: 'Export a report' }))
    expect(result.status).toBe(200)
    expect((await result.json<{ rebuild: unknown }>()).rebuild).toBeNull()
    expect(writes).toBe(0)
    const { writes: putWrites } = await countWrites(() =>
      put(p, 'report.export', { name: 'Export', core: false, rules: [{ match: 'event', event: 'Report Exported' }] }),
    )
    expect(putWrites).toBe(0)
    // no job was started either: the one from creating the feature is still the latest
    expect(await rebuildProgress(env.DB, p.id)).toEqual(job)
  })

  it('re-tags on a rules change and writes only the changed events and their (user, day) rollups', async () => {
    const p = await projectWithUse()
    const { result, writes } = await countWrites(() =>
      patch(p, 'report.export', {
        rules: [
          { match: 'event', event: 'Report Exported' },
          { match: 'event', event: 'Invoice Sent' },
        ],
      }),
    )
    const body = await result.json<{ rebuild: { status: string; retagged: number; done: number; total: number } }>()
    expect(body.rebuild).toMatchObject({ status: 'done', retagged: 2, done: 4, total: 4 })
    expect(await featureUses(p.id, 'report.export')).toBe(4)
    // deltas only: u1's and u3's feature day (one update, one insert) and their user_days row; no raw event row
    expect(writes).toBe(4)
    const u2 = await env.DB.prepare("SELECT COUNT(*) AS n FROM user_days WHERE project_id = ?1 AND user_id = 'u2'").bind(p.id).first('n')
    expect(u2).toBe(1)
  })

  it('re-tags on a kind change (a feature becomes a value event)', async () => {
    const p = await projectWithUse()
    const res = await patch(p, 'report.export', { kind: 'value' })
    expect((await res.json<{ rebuild: { retagged: number } }>()).rebuild.retagged).toBe(2)
    const values = await env.DB.prepare('SELECT SUM(value_events) AS n FROM user_days WHERE project_id = ?1').bind(p.id).first('n')
    expect(values).toBe(2)
  })

  it('reports the job in GET /features and GET /features/:key', async () => {
    const p = await projectWithUse()
    await patch(p, 'report.export', { rules: [] })
    const one = await (await api('/features/report.export', p.readKey)).json<{ rebuild: { status: string; done: number; total: number } }>()
    expect(one.rebuild).toMatchObject({ status: 'done', done: 4, total: 4 })
    const all = await (await api('/features', p.readKey)).json<{ rebuild: { status: string } }>()
    expect(all.rebuild.status).toBe('done')
  })
})

describe('the paged re-tagging job', () => {
  const feature = (rules: Feature['rules']): Feature => ({ key: 'f', name: 'F', kind: 'feature', core: false, rules })

  /** Writes the feature and starts the job, as the route does, without running any page (`stale`: ingest keeps its cached rules). */
  async function changeRules(p: TestProject, rules: Feature['rules'], stale = false) {
    await env.DB.batch([
      upsertFeatureStatement(env.DB, p.id, feature(rules), Date.now()),
      ...startRebuildStatements(env.DB, p.id, Date.now()),
    ])
    if (!stale) forgetFeatureIndex(p.id)
  }

  /** 24 track and 24 page events over 3 days and 4 users, sent in 4 requests: 12 archive objects of 4 events. */
  function seedBatches(tag = '') {
    const batches: unknown[][] = [[], [], [], []]
    for (let i = 0; i < 24; i++) {
      const ts = new Date(Date.now() - (i % 3) * DAY - i * 1000).toISOString()
      batches[Math.floor(i / 6)].push(track(`u${i % 4}`, i % 2 ? 'A Done' : 'B Done', { timestamp: ts, properties: { amount: i, tag } }), {
        type: 'page',
        userId: `u${i % 4}`,
        name: 'Home',
        timestamp: ts,
      })
    }
    return batches
  }

  async function seeded() {
    const p = await newProject('paged')
    for (const batch of seedBatches()) expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
    return p
  }

  /** A fresh project that had `rules` from the start and ingested the same archived events (the reference). */
  async function reference(p: TestProject, rules: Feature['rules']) {
    const ref = await newProject('paged-ref')
    await env.DB.batch([upsertFeatureStatement(env.DB, ref.id, feature(rules), Date.now())])
    forgetFeatureIndex(ref.id)
    const events = await readArchive(env.RAW_EVENTS, p.id)
    const replay = events.map((e) =>
      e.type === 'track'
        ? track(e.user_id!, e.name!, { timestamp: new Date(e.ts).toISOString(), properties: e.properties })
        : { type: e.type, userId: e.user_id, name: e.name, timestamp: new Date(e.ts).toISOString() },
    )
    for (let i = 0; i < replay.length; i += 100)
      expect((await post('/v1/batch', { writeKey: ref.writeKey, batch: replay.slice(i, i + 100) })).status).toBe(200)
    return ref
  }

  async function sameRollups(p: TestProject, ref: TestProject) {
    const strip = (s: string) => s.replaceAll(p.id, 'P').replaceAll(ref.id, 'P')
    expect(strip(await rollupSnapshot(p.id))).toBe(strip(await rollupSnapshot(ref.id)))
  }

  it('walks the archive in bounded pages and ends with the rollups a fresh ingest under the new rules builds', async () => {
    const p = await seeded()
    await changeRules(p, [{ match: 'event', event: 'A Done' }])
    const first = await advanceRebuild(env, p.id, { maxPages: 1, pageSize: 10 })
    // whole objects up to 10 events: two objects of 4
    expect(first.progress).toMatchObject({ status: 'running', done: 8, total: 48 })
    const afterOne = await featureUses(p.id, 'f')
    expect(afterOne).toBeGreaterThan(0)
    expect(afterOne).toBeLessThan(12)
    let pages = 1
    for (let r = first; r.progress?.status === 'running'; pages++) r = await advanceRebuild(env, p.id, { maxPages: 1, pageSize: 10 })
    expect(pages).toBe(6)
    expect(await rebuildProgress(env.DB, p.id)).toMatchObject({ status: 'done', done: 48, total: 48, retagged: 12 })
    expect(await featureUses(p.id, 'f')).toBe(12)
    await sameRollups(p, await reference(p, [{ match: 'event', event: 'A Done' }]))
    // every object read is recorded under the job's generation
    const versions = await env.DB.prepare(
      'SELECT COUNT(*) AS n, MIN(rules_generation) AS g FROM archive_tag_versions WHERE project_id = ?1',
    )
      .bind(p.id)
      .first<{ n: number; g: number }>()
    expect(versions).toEqual({ n: 12, g: 1 })
  })

  it('restarts from the beginning with the newest rules when they change mid-walk, ending as a fresh ingest under them', async () => {
    const p = await seeded()
    await changeRules(p, [{ match: 'event', event: 'A Done' }])
    await advanceRebuild(env, p.id, { maxPages: 2, pageSize: 10 })
    await changeRules(p, [{ match: 'event', event: 'B Done' }])
    const restarted = await rebuildProgress(env.DB, p.id)
    expect(restarted).toMatchObject({ status: 'running', done: 0 })
    await advanceRebuild(env, p.id, { pageSize: 10 })
    expect(await rebuildProgress(env.DB, p.id)).toMatchObject({ status: 'done', done: 48 })
    expect(await featureUses(p.id, 'f')).toBe(12)
    await sameRollups(p, await reference(p, [{ match: 'event', event: 'B Done' }]))
    // the finished walk needs no older snapshot any more
    const snapshots = await env.DB.prepare('SELECT generation FROM feature_rule_snapshots WHERE project_id = ?1').bind(p.id).all()
    expect(snapshots.results).toEqual([{ generation: 2 }])
  })

  it('ends the same whether restarted after every page or run in one go (A → B → A → B)', async () => {
    const p = await seeded()
    const rules = [[{ match: 'event', event: 'A Done' }], [{ match: 'event', event: 'B Done' }]] as Feature['rules'][]
    for (let i = 0; i < 4; i++) {
      await changeRules(p, rules[i % 2])
      await advanceRebuild(env, p.id, { maxPages: i + 1, pageSize: 10 })
    }
    await advanceRebuild(env, p.id, { pageSize: 10 })
    expect(await rebuildProgress(env.DB, p.id)).toMatchObject({ status: 'done', done: 48 })
    await sameRollups(p, await reference(p, rules[1]))
  })

  it('counts live ingest during the job once, whether it came in under the old (cached) rules or the new', async () => {
    const p = await seeded()
    await cachedTagging(env.DB, p.id) // this isolate's ingest holds the old rules
    await changeRules(p, [{ match: 'event', event: 'A Done' }], true)
    await advanceRebuild(env, p.id, { maxPages: 1, pageSize: 10 })
    const [stale, fresh] = seedBatches('live').slice(0, 2)
    expect((await post('/v1/batch', { writeKey: p.writeKey, batch: stale })).status).toBe(200)
    forgetFeatureIndex(p.id)
    expect((await post('/v1/batch', { writeKey: p.writeKey, batch: fresh })).status).toBe(200)
    const generations = new Map<string, string | undefined>()
    for (const o of (await env.RAW_EVENTS.list({ prefix: `raw/${p.id}/`, include: ['customMetadata'] } as R2ListOptions)).objects)
      generations.set(o.key, o.customMetadata?.rules)
    expect([...generations.values()].sort()).toEqual([...Array(15).fill('0'), '1', '1', '1'])
    await advanceRebuild(env, p.id, { pageSize: 10 })
    // progress counts what the rules change found; the live objects are walked beside it
    expect(await rebuildProgress(env.DB, p.id)).toMatchObject({ status: 'done', done: 48, total: 48 })
    expect(await featureUses(p.id, 'f')).toBe(18)
    await sameRollups(p, await reference(p, [{ match: 'event', event: 'A Done' }]))
  })

  it('re-tags a line only in the object whose write counted it (a retried put archives it twice)', async () => {
    const p = await seeded()
    const listed = await env.RAW_EVENTS.list({ prefix: `raw/${p.id}/` })
    const original = listed.objects[0].key
    // the retried write's object: same lines, another ingest id, written a minute later; event_ids names the original
    const copy = original.replace(/\/(\d+)-[^/]+$/, (_, at: string) => `/${Number(at) + 60_000}-${crypto.randomUUID()}.ndjson.gz`)
    const body = await env.RAW_EVENTS.get(original)
    await env.RAW_EVENTS.put(copy, await body!.arrayBuffer(), { customMetadata: { ...body!.customMetadata, rules: '0' } })
    const ref = await reference(p, [{ match: 'event', event: 'A Done' }])
    // and a write that never committed (no event_ids row), older than the in-flight wait: counted by nobody
    const lost = seedBatches('lost')[0].filter((e) => (e as { type: string }).type === 'track') as {
      messageId: string
      userId: string
      event: string
    }[]
    const day = original.split('/')[2]
    const lines = lost.map((e) =>
      JSON.stringify({
        message_id: e.messageId,
        type: 'track',
        kind: 'track',
        name: e.event,
        user_id: e.userId,
        anonymous_id: null,
        account_id: null,
        feature_key: null,
        amount: null,
        meaningful: false,
        active_seconds: 0,
        app_version: null,
        ts: Date.parse(`${day}T12:00:00Z`),
        received_at: Date.now(),
        properties: {},
        context: {},
      }),
    )
    const gz = await new Response(new Blob([lines.join('\n') + '\n']).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
    await env.RAW_EVENTS.put(`raw/${p.id}/${day}/${Date.now() - 5 * 60_000}-${crypto.randomUUID()}.ndjson.gz`, gz, {
      customMetadata: { events: String(lines.length), rules: '0' },
    })
    await changeRules(p, [{ match: 'event', event: 'A Done' }])
    await advanceRebuild(env, p.id, { pageSize: 10 })
    expect(await rebuildProgress(env.DB, p.id)).toMatchObject({ status: 'done', retagged: 12 })
    expect(await featureUses(p.id, 'f')).toBe(12)
    await sameRollups(p, ref)
  })

  it('re-tags both writes of an event resent after its dedupe key expired (counted twice, as ingest did)', async () => {
    const p = await newProject('paged')
    const batches = seedBatches()
    for (const batch of batches) expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
    const first = (await env.RAW_EVENTS.list({ prefix: `raw/${p.id}/` })).objects
      .map((o) => o.key)
      .sort((a, b) => Number(a.split('/')[3].split('-')[0]) - Number(b.split('/')[3].split('-')[0]))
      .slice(0, 3)
    // the first write is 10 days old: its dedupe keys were purged, and a resend of it came in and counted again
    for (const key of first) {
      const body = await env.RAW_EVENTS.get(key)
      const older = key.replace(/\/(\d+)-([^/]+)$/, (_, at: string, rest: string) => `/${Number(at) - 10 * DAY}-${rest}`)
      await env.RAW_EVENTS.put(older, await body!.arrayBuffer(), { customMetadata: body!.customMetadata })
      await env.RAW_EVENTS.delete(key)
    }
    const ids = batches[0].map((e) => (e as { messageId: string }).messageId)
    await env.DB.prepare('DELETE FROM event_ids WHERE project_id = ?1 AND message_id IN (SELECT value FROM json_each(?2))')
      .bind(p.id, JSON.stringify(ids))
      .run()
    expect((await post('/v1/batch', { writeKey: p.writeKey, batch: batches[0] })).status).toBe(200)
    await changeRules(p, [{ match: 'event', event: 'A Done' }])
    await advanceRebuild(env, p.id, { pageSize: 10 })
    expect(await featureUses(p.id, 'f')).toBe(12 + 3)
  })

  it('waits for an object still being written (archived, not yet counted) rather than re-tag it before its counts land', async () => {
    const p = await seeded()
    // two days back: the objects of the last two days come after it in key order
    const day = new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10)
    const line = JSON.stringify({
      message_id: crypto.randomUUID(),
      type: 'track',
      kind: 'track',
      name: 'A Done',
      user_id: 'u1',
      anonymous_id: null,
      account_id: null,
      feature_key: null,
      amount: null,
      meaningful: false,
      active_seconds: 0,
      app_version: null,
      ts: Date.now(),
      received_at: Date.now(),
      properties: {},
      context: {},
    })
    const gz = await new Response(new Blob([line + '\n']).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
    const key = `raw/${p.id}/${day}/${Date.now()}-${crypto.randomUUID()}.ndjson.gz`
    await env.RAW_EVENTS.put(key, gz, { customMetadata: { events: '1', rules: '0' } })
    await changeRules(p, [{ match: 'event', event: 'A Done' }])
    const r = await advanceRebuild(env, p.id, { pageSize: 1000 })
    expect(r).toMatchObject({ stalled: true, progress: { status: 'running' } })
    expect(r.progress!.done).toBeLessThan(r.progress!.total)
    expect(await featureUses(p.id, 'f')).toBeLessThan(12)
    // the write gave up (its queue message retried elsewhere): the walk goes on past where it was
    await env.RAW_EVENTS.delete(key)
    expect((await advanceRebuild(env, p.id, { pageSize: 1000 })).progress).toMatchObject({ status: 'done', retagged: 12 })
    expect(await featureUses(p.id, 'f')).toBe(12)
  })

  it('is finished by the daily run when nobody looked at it since', async () => {
    const p = await seeded()
    await changeRules(p, [{ match: 'event', event: 'A Done' }])
    await advanceRebuild(env, p.id, { maxPages: 1, pageSize: 10 })
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 3 * * *' }), env, ctx)
    await waitOnExecutionContext(ctx)
    expect(await rebuildProgress(env.DB, p.id)).toMatchObject({ status: 'done', done: 48, retagged: 12 })
    expect(await featureUses(p.id, 'f')).toBe(12)
  }, 30_000) // the daily run scores every project this file made

  it('lets one worker at a time advance a job (lease)', async () => {
    const p = await seeded()
    await changeRules(p, [{ match: 'event', event: 'A Done' }])
    const [a, b] = await Promise.all([
      advanceRebuild(env, p.id, { maxPages: 2, pageSize: 10 }),
      advanceRebuild(env, p.id, { maxPages: 2, pageSize: 10 }),
    ])
    expect([a.worked, b.worked].sort()).toEqual([false, true])
    expect(await rebuildProgress(env.DB, p.id)).toMatchObject({ done: 16 })
  })
})
