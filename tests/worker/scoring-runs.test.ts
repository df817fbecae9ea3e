import { createExecutionContext, createScheduledController, env, SELF } from 'cloudflare:test'
import { waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../../worker/src/index'
import { api, newProject, post, type TestProject } from './fixtures'

const DAY = 86_400_000
const ago = (d: number) => new Date(Date.now() - d * DAY + 3600_000).toISOString()
const POISON = { toString: 1, valueOf: 1 }

async function runCron(at = Date.now()) {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: '17 3 * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

const run = (p: TestProject, body?: unknown) =>
  api('/scoring/run', p.adminKey, {
    method: 'POST',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })

/** A project with a core and a value feature and an account used every day of the last 20 days by its users. */
async function busyProject(name: string, accountTraits: Record<string, unknown> = {}, users = 3) {
  const p = await newProject(name)
  expect(
    (
      await api('/features/f1', p.adminKey, {
        method: 'PUT',
        body: JSON.stringify({ name: 'F1', core: true, rules: [{ match: 'event', event: 'F1 Used' }] }),
      })
    ).status,
  ).toBe(201)
  expect(
    (
      await api('/features/paid', p.adminKey, {
        method: 'PUT',
        body: JSON.stringify({ name: 'Paid', kind: 'value', rules: [{ match: 'event', event: 'Invoice Paid' }] }),
      })
    ).status,
  ).toBe(201)
  const batch: Record<string, unknown>[] = []
  for (let u = 0; u < users; u++) {
    batch.push({
      type: 'group',
      messageId: crypto.randomUUID(),
      userId: `${name}-u${u}`,
      groupId: 'acme',
      timestamp: ago(20),
      traits: { name: 'Acme', ...accountTraits },
    })
    for (let d = 1; d <= 20; d++) {
      for (const event of ['F1 Used', 'Invoice Paid'])
        batch.push({
          type: 'track',
          messageId: crypto.randomUUID(),
          userId: `${name}-u${u}`,
          event,
          timestamp: ago(d),
          context: { groupId: 'acme', app: { version: '1.0.0' } },
        })
    }
  }
  const res = await post('/v1/batch', { writeKey: p.writeKey, batch })
  expect(res.status).toBe(200)
  return p
}

const latest = (p: TestProject) =>
  env.DB.prepare('SELECT day, score, band, computed_at FROM account_scores WHERE project_id = ?1 AND account_id = ?2')
    .bind(p.id, 'acme')
    .first<{ day: string; score: number | null; band: string; computed_at: number }>()

describe('wrongly typed attributes from the write key', () => {
  it('score, match segments and target nudges as if missing: no 500 anywhere', async () => {
    const p = await busyProject('poison', {
      arr: POISON,
      plan: POISON,
      mrr: [1, 2],
      seats: { valueOf: 1 },
      renewal_date: POISON,
      tier: POISON,
    })
    const config = await (await api('/scoring/config', p.adminKey)).json<{ config: { segments: unknown[] } }>()
    const segments = [
      {
        key: 'paying',
        name: 'Paying',
        all: [
          { attribute: 'mrr', op: '>=', value: 100 },
          { attribute: 'plan', op: 'in', value: ['pro'] },
        ],
      },
      ...config.config.segments,
    ]
    expect((await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify({ ...config.config, segments }) })).status).toBe(
      200,
    )
    const nudge = {
      kind: 'banner',
      title: { default: 'Upgrade' },
      body: { default: 'b' },
      holdout: { share: 0 },
      targeting: {
        account_attributes: [
          { attribute: 'plan', op: '==', value: 'trial' },
          { attribute: 'mrr', op: '<', value: 10 },
        ],
      },
    }
    expect((await api('/nudges/trial', p.adminKey, { method: 'PUT', body: JSON.stringify(nudge) })).status).toBe(201)
    const res = await run(p)
    expect(res.status).toBe(200)
    expect(await latest(p)).toMatchObject({ band: expect.stringMatching(/red|yellow|green/) })
    const nudges = await SELF.fetch(`http://uptake.test/v1/nudges?writeKey=${p.writeKey}&userId=poison-u0`)
    expect(nudges.status).toBe(200)
    expect((await nudges.json<{ nudges: unknown[] }>()).nudges).toEqual([])
  })
})

describe('the daily job', () => {
  it('carries on past a project that fails: scores the healthy one, records the failure, and purges', async () => {
    const broken = await busyProject('a-broken', { arr: POISON })
    const healthy = await busyProject('b-healthy')
    // a config row nobody can read makes this project's scoring throw
    await env.DB.prepare(`INSERT INTO scoring_configs (project_id, version, config_json, updated_at) VALUES (?1, 'v-bad', '{not json', 0)`)
      .bind(broken.id)
      .run()
    const old = Date.now() - 120 * DAY
    await env.DB.prepare(
      `INSERT INTO events (project_id, message_id, type, kind, name, user_id, ts, received_at) VALUES (?1, 'old-1', 'track', 'track', 'Old', 'x', ?2, ?2)`,
    )
      .bind(healthy.id, old)
      .run()
    await runCron()
    expect(await latest(healthy)).toMatchObject({ band: expect.stringMatching(/red|yellow|green/) })
    expect(await latest(broken)).toBeNull()
    expect(
      await env.DB.prepare(`SELECT COUNT(*) AS n FROM events WHERE project_id = ?1 AND message_id = 'old-1'`).bind(healthy.id).first('n'),
    ).toBe(0)
    const failed = await api('/scoring/runs?status=failed', broken.readKey)
    expect(failed.status).toBe(200)
    const { runs } = await failed.json<{ runs: { kind: string; status: string; error: string; finished_at: string }[] }>()
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ kind: 'daily', status: 'failed', error: expect.stringMatching(/JSON/) })
    const ok = await (
      await api('/scoring/runs', healthy.readKey)
    ).json<{ runs: { kind: string; status: string; summary: { accounts: number } }[] }>()
    expect(ok.runs[0]).toMatchObject({ kind: 'daily', status: 'ok', summary: { accounts: 1 } })
    expect((await api('/scoring/runs?status=nope', healthy.readKey)).status).toBe(400)
  })
})

describe('POST /api/v1/scoring/run', () => {
  it('runs one scoring at a time per project: overlapping runs get 409 run_in_progress with Retry-After, never 500', async () => {
    const p = await busyProject('overlap', {}, 6)
    const statuses = (await Promise.all([run(p), run(p), run(p)])).map((r) => r.status)
    expect(statuses).toContain(200)
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true)
    // a live lease held by another run
    await env.DB.prepare('INSERT INTO scoring_leases (project_id, holder, expires_at) VALUES (?1, ?2, ?3)')
      .bind(p.id, 'someone', Date.now() + 30_000)
      .run()
    const busy = await run(p)
    expect(busy.status).toBe(409)
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(busy.headers.get('retry-after'))).toBeLessThanOrEqual(30)
    expect(await busy.json()).toMatchObject({ error: { code: 'run_in_progress' } })
    // the other run finishes (or crashes and its lease expires): the next run goes ahead
    await env.DB.prepare('UPDATE scoring_leases SET expires_at = ?2 WHERE project_id = ?1')
      .bind(p.id, Date.now() - 1)
      .run()
    expect((await run(p)).status).toBe(200)
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM scoring_leases WHERE project_id = ?1').bind(p.id).first('n')).toBe(0)
  })

  it('runs while ingest writes to the same project without a 500 on either side', async () => {
    const p = await busyProject('with-ingest', {}, 4)
    const batch = () => ({
      writeKey: p.writeKey,
      batch: Array.from({ length: 200 }, (_, i) => ({
        type: 'track',
        messageId: crypto.randomUUID(),
        userId: `with-ingest-u${i % 4}`,
        event: 'F1 Used',
        context: { groupId: 'acme' },
      })),
    })
    const statuses = (
      await Promise.all([run(p), post('/v1/batch', batch()), run(p), post('/v1/batch', batch()), post('/v1/batch', batch())])
    ).map((r) => r.status)
    expect(statuses.filter((s) => s >= 500)).toEqual([])
    expect(statuses.filter((s, i) => i === 1 || i > 2).every((s) => s === 200)).toBe(true)
  })

  it.each([
    ['invalid JSON', '{"at":', 400, 'malformed_json'],
    ['a JSON array', '[1]', 400, 'invalid_request'],
    ['an unknown field', '{"when":"now"}', 400, 'invalid_request'],
  ])('answers %s with %s', async (_n, body, status, code) => {
    const p = await newProject('run-body')
    const res = await run(p, body)
    expect(res.status).toBe(status)
    expect(await res.json()).toMatchObject({ error: { code } })
  })

  it('scores now for an empty body', async () => {
    const p = await busyProject('empty-body')
    expect((await run(p)).status).toBe(200)
  })
})

describe('backfill: POST /api/v1/scoring/run {"at": <past day>}', () => {
  it('writes the snapshot of that day only: the latest scores stay, no alert is raised', async () => {
    const p = await busyProject('backfill', {}, 4)
    expect((await api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify({ alerts: { cooldown_days: 0 } }) })).status).toBe(200)
    expect((await run(p)).status).toBe(200)
    const before = await latest(p)
    expect(before?.score).not.toBeNull()
    const alertsBefore = await env.DB.prepare('SELECT COUNT(*) AS n FROM account_alerts WHERE project_id = ?1')
      .bind(p.id)
      .first<number>('n')
    // 25 days ago the account had no activity yet: a much lower score than today's, and a different band
    const at = new Date(Date.now() - 25 * DAY).toISOString()
    const res = await run(p, { at })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ backfill: true, alerts: 0 })
    expect(await latest(p)).toEqual(before)
    const snap = await env.DB.prepare('SELECT score FROM account_score_snapshots WHERE project_id = ?1 AND account_id = ?2 AND day = ?3')
      .bind(p.id, 'acme', at.slice(0, 10))
      .first<{ score: number | null }>()
    expect(snap).not.toBeNull()
    expect(snap!.score).not.toBe(before!.score)
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM account_alerts WHERE project_id = ?1').bind(p.id).first<number>('n')).toBe(
      alertsBefore,
    )
    const runs = await (await api('/scoring/runs', p.readKey)).json<{ runs: { kind: string }[] }>()
    expect(runs.runs.map((r) => r.kind)).toEqual(['backfill', 'manual'])
  })
})
