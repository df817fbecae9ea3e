import { env, SELF } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_STORED_TRAITS_BYTES } from '../../shared/limits'
import { writeIngest } from '../../worker/src/ingest/store'
import { purgeExpiredEvents } from '../../worker/src/ingest/purge-store'
import { ingest } from '../../worker/src/ingest/queue'
import { emptyFeatureIndex, trackTagger } from '../../worker/src/features/classify'
import { toEventRow } from '../../worker/src/ingest/normalize'
import { planIngest } from '../../worker/src/ingest/plan'
import { api, archivedEvent, basic, newProject, post, track, type TestProject } from './fixtures'

const DAY = 86_400_000

interface Answer {
  accepted: number
  duplicates: number
  rejected: { index: number; messageId?: string; errors: string[] }[]
}

/** `{"a":{"a":…}}` nested `depth` levels. */
function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 1 }
  for (let i = 1; i < depth; i++) v = { a: v }
  return v
}

const count = (p: TestProject, name: string) =>
  env.DB.prepare('SELECT COALESCE(SUM(n), 0) AS n FROM user_event_days WHERE project_id = ?1 AND name = ?2')
    .bind(p.id, name)
    .first<number>('n')
const storedTraits = (p: TestProject, table: 'users' | 'accounts', id: string) =>
  env.DB.prepare(`SELECT traits_json FROM ${table} WHERE project_id = ?1 AND id = ?2`).bind(p.id, id).first<string>('traits_json')

describe('free-form objects are bounded (issue 8.2)', () => {
  it('rejects traits nested over 1,000 levels for a new user and stores the rest of the batch', async () => {
    const p = await newProject()
    const res = await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [{ type: 'identify', messageId: 'deep-1', userId: 'attacker', traits: nested(1100) }, track('bystander', 'Report Exported')],
    })
    expect(res.status).toBe(200)
    const body = await res.json<Answer>()
    expect(body.accepted).toBe(1)
    expect(body.rejected).toEqual([{ index: 0, messageId: 'deep-1', errors: [expect.stringMatching(/nested deeper than/)] }])
    expect(await storedTraits(p, 'users', 'attacker')).toBeNull()
    // a later batch with the same user and others goes through whole
    const next = await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [
        { type: 'identify', userId: 'attacker', traits: { plan: 'ok' } },
        track('attacker', 'Report Exported'),
        track('bystander-2', 'Report Exported'),
      ],
    })
    expect(next.status).toBe(200)
    expect((await next.json<Answer>()).accepted).toBe(3)
    expect(await count(p, 'Report Exported')).toBe(3)
  })

  it.each([
    ['traits 9 levels deep', { type: 'identify', userId: 'u', traits: nested(9) }, /^traits\.a\.a.*: nested deeper than 8 levels$/],
    [
      'an object with 201 keys',
      { type: 'identify', userId: 'u', traits: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i])) },
      /more than 200 keys/,
    ],
    [
      'an array of 201 items',
      { type: 'track', userId: 'u', event: 'x', properties: { list: Array.from({ length: 201 }, (_, i) => i) } },
      /properties: list: more than 200 items/,
    ],
    [
      'a string of 8,193 characters',
      { type: 'group', userId: 'u', groupId: 'g', traits: { note: 'n'.repeat(8193) } },
      /longer than 8192 characters/,
    ],
    [
      'a key of 201 characters deep inside',
      { type: 'track', userId: 'u', event: 'x', properties: { a: { ['k'.repeat(201)]: 1 } } },
      /key is longer than 200/,
    ],
    [
      'context nested 9 levels deep',
      { type: 'track', userId: 'u', event: 'x', context: { extra: nested(8) } },
      /^context\.extra\..*nested deeper than 8 levels/,
    ],
    [
      'integrations nested 9 levels deep',
      { type: 'track', userId: 'u', event: 'x', integrations: nested(9) },
      /^integrations\..*nested deeper than 8 levels/,
    ],
    // as JSON text: JSON.stringify overflows a default Node stack on it, so the server checks depth before serialising
    [
      'arrays nested 10,000 deep',
      `{"type":"track","userId":"u","event":"x","properties":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`,
      /^properties\.a\.0\.0.*: nested deeper than 8 levels$/,
    ],
  ])('rejects %s and keeps the good event beside it', async (_name, bad, reason) => {
    const p = await newProject()
    const good = JSON.stringify(track('u1', 'Good'))
    const res = await post(
      '/v1/batch',
      `{"writeKey":"${p.writeKey}","batch":[${good},${typeof bad === 'string' ? bad : JSON.stringify(bad)}]}`,
    )
    expect(res.status).toBe(200)
    const body = await res.json<Answer>()
    expect(body.accepted).toBe(1)
    expect(body.rejected.map((r) => r.index)).toEqual([1])
    expect(body.rejected[0].errors.join('\n')).toMatch(reason)
  })

  it('accepts objects right at the bounds', async () => {
    const p = await newProject()
    const traits = { ...nested(8), keys: Object.fromEntries(Array.from({ length: 199 }, (_, i) => [`k${i}`, i])), s: 's'.repeat(8192) }
    const res = await post('/v1/batch', { writeKey: p.writeKey, batch: [{ type: 'identify', userId: 'u', traits }] })
    expect((await res.json<Answer>()).accepted).toBe(1)
  })

  it('never fails a batch on traits stored unreadable before the bounds, and the next identify and group repair them', async () => {
    const p = await newProject()
    const garbage = JSON.stringify(nested(1100))
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen) VALUES (?1, 'bad-co', 'Bad Co', ?2, ?3, ?3)",
      ).bind(p.id, garbage, Date.now()),
      env.DB.prepare(
        "INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen) VALUES (?1, 'bad-user', 'bad-co', ?2, ?3, ?3)",
      ).bind(p.id, garbage, Date.now()),
    ])
    const res = await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [
        { type: 'identify', userId: 'bad-user', traits: { email: 'fixed@x.test' } },
        { type: 'group', userId: 'bad-user', groupId: 'bad-co', traits: { plan: 'team' } },
        track('bad-user', 'Report Exported'),
        track('someone-else', 'Report Exported'),
      ],
    })
    expect(res.status).toBe(200)
    expect((await res.json<Answer>()).accepted).toBe(4)
    expect(await count(p, 'Report Exported')).toBe(2)
    expect(JSON.parse((await storedTraits(p, 'users', 'bad-user'))!)).toEqual({ email: 'fixed@x.test' })
    expect(JSON.parse((await storedTraits(p, 'accounts', 'bad-co'))!)).toEqual({ plan: 'team' })
  })

  it('lets an admin PATCH an account whose stored traits are unreadable', async () => {
    const p = await newProject()
    await env.DB.prepare(
      "INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen) VALUES (?1, 'bad-co', 'Bad Co', ?2, ?3, ?3)",
    )
      .bind(p.id, JSON.stringify(nested(1100)), Date.now())
      .run()
    const res = await api('/accounts/bad-co', p.adminKey, { method: 'PATCH', body: JSON.stringify({ seats: 12 }) })
    expect(res.status).toBe(200)
    const read = await api('/accounts/bad-co', p.readKey)
    expect(read.status).toBe(200)
  })

  it('takes an NPS answer for an account holding an answer stored unreadable before the bounds', async () => {
    const p = await newProject()
    await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [{ type: 'group', userId: 'old-user', groupId: 'nps-co', traits: { name: 'NPS Co' } }],
    })
    await env.DB.prepare(
      `INSERT INTO events (project_id, message_id, type, kind, name, user_id, account_id, ts, received_at, properties_json)
       VALUES (?1, 'legacy-answer', 'track', 'system', '$nudge_answered', 'old-user', 'nps-co', ?2, ?2, ?3)`,
    )
      .bind(p.id, Date.now() - DAY, JSON.stringify({ nudge: 'nps', deep: nested(1100) }))
      .run()
    const answer = track('new-user', '$nudge_answered', { properties: { nudge: 'nps', score: 9 }, context: { groupId: 'nps-co' } })
    const res = await post('/v1/batch', { writeKey: p.writeKey, batch: [answer] })
    expect(res.status).toBe(200)
    expect((await res.json<Answer>()).accepted).toBe(1)
  })

  it('keeps the merged traits of a user within 64 KB: past it the newest identify replaces them', async () => {
    const p = await newProject()
    const chunk = (n: number) => Object.fromEntries(['a', 'b', 'c'].map((k) => [`${k}${n}`, 'v'.repeat(8000)]))
    for (let n = 0; n < 3; n++) {
      const res = await post('/v1/batch', { writeKey: p.writeKey, batch: [{ type: 'identify', userId: 'grower', traits: chunk(n) }] })
      expect((await res.json<Answer>()).accepted).toBe(1)
    }
    const stored = (await storedTraits(p, 'users', 'grower'))!
    expect(new TextEncoder().encode(stored).length).toBeLessThanOrEqual(MAX_STORED_TRAITS_BYTES)
    expect(Object.keys(JSON.parse(stored))).toEqual(['a2', 'b2', 'c2'])
  })
})

describe('no sequence of write-key calls makes a later valid call fail', () => {
  const hostileBag = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1001, max: 1500 })).map(nested),
    fc.dictionary(
      fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'arr', 'seats', 'name', 'x'),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    fc.integer({ min: 150, max: 260 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v'.repeat(100)]))),
  )
  const hostileEvent = fc.record({
    type: fc.constantFrom('identify', 'group', 'track', 'page', 'alias'),
    userId: fc.constantFrom('u1', 'u2'),
    groupId: fc.constantFrom('acct1', 'acct2'),
    event: fc.constantFrom('$click', 'Report Exported', '$nudge_answered'),
    previousId: fc.constant('anon'),
    traits: hostileBag,
    properties: hostileBag,
    context: fc.oneof(
      fc.constant(undefined),
      hostileBag.map((extra) => ({ groupId: 'acct1', extra })),
    ),
    timestamp: fc.date({ min: new Date('1999-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  })

  it('stores a valid batch and answers PATCH after any hostile calls on the same users and accounts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileEvent, { minLength: 1, maxLength: 4 }), async (events) => {
        const p = await newProject('fuzz')
        for (const e of events) expect((await post('/v1/batch', { writeKey: p.writeKey, batch: [e] })).status).toBeLessThan(500)
        const valid = await post('/v1/batch', {
          writeKey: p.writeKey,
          batch: [
            { type: 'identify', userId: 'u1', traits: { email: 'u1@x.test' } },
            { type: 'group', userId: 'u1', groupId: 'acct1', traits: { name: 'Acct One' } },
            track('u1', 'Report Exported', { context: { groupId: 'acct1' } }),
            track('u2', 'Report Exported', { context: { groupId: 'acct2' } }),
          ],
        })
        expect(valid.status).toBe(200)
        expect((await valid.json<Answer>()).accepted).toBe(4)
        expect((await api('/accounts/acct1', p.adminKey, { method: 'PATCH', body: JSON.stringify({ seats: 3 }) })).status).toBe(200)
        expect((await api('/accounts/acct1', p.readKey)).status).toBe(200)
      }),
      { numRuns: 25 },
    )
  }, 60_000)
})

describe('the per-event limit counts UTF-8 bytes (issue 8.10)', () => {
  // four strings of 7,500 characters each, under the 8,192-character string bound
  const props = (ch: string) => Object.fromEntries(['a', 'b', 'c', 'd'].map((k) => [k, ch.repeat(7500)]))

  it('rejects 30,000 € (90 KB) and accepts 30,000 ASCII characters', async () => {
    const p = await newProject()
    const res = await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [track('u', 'Euros', { properties: props('€') }), track('u', 'Ascii', { properties: props('x') })],
    })
    expect(res.status).toBe(200)
    const body = await res.json<Answer>()
    expect(body.accepted).toBe(1)
    expect(body.rejected).toEqual([{ index: 0, messageId: expect.any(String), errors: [expect.stringMatching(/larger than 32768 bytes/)] }])
    expect(await count(p, 'Ascii')).toBe(1)
  })
})

describe('accepted event time (issue 8.7)', () => {
  const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString()

  it.each([
    ['29 days ago', -29 * DAY, true],
    ['31 days ago', -31 * DAY, false],
    ['in 2001', Date.parse('2001-09-09T01:46:40Z') - Date.now(), false],
    ['2 hours ahead (skew without sentAt: stored as now)', 2 * 3600_000, true],
    ['2 days ahead', 2 * DAY, false],
  ])('on the write key, an event dated %s is accepted: %s', async (_name, offset, ok) => {
    const p = await newProject()
    const res = await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [track('u', 'Dated', { messageId: 'dated-1', timestamp: at(offset) }), track('u', 'Now')],
    })
    const body = await res.json<Answer>()
    expect(body.accepted).toBe(ok ? 2 : 1)
    if (!ok) expect(body.rejected[0].errors[0]).toMatch(/^timestamp: (older than 30 days|more than 1 day in the future)/)
    const ts = (await archivedEvent(p.id, 'dated-1'))?.ts
    if (ok) expect(ts).toBeLessThanOrEqual(Date.now())
    else expect(ts).toBeUndefined()
  })

  it("keeps an account's first_seen where it was when an event claims 2001", async () => {
    const p = await newProject()
    await post('/v1/batch', { writeKey: p.writeKey, batch: [{ type: 'group', userId: 'u', groupId: 'acme', traits: { name: 'Acme' } }] })
    const before = await env.DB.prepare("SELECT first_seen FROM accounts WHERE project_id = ?1 AND id = 'acme'")
      .bind(p.id)
      .first<number>('first_seen')
    await post('/v1/batch', {
      writeKey: p.writeKey,
      batch: [track('u', 'Old', { timestamp: '2001-01-01T00:00:00Z', context: { groupId: 'acme' } }), track('u', 'New')],
    })
    const after = await env.DB.prepare("SELECT first_seen FROM accounts WHERE project_id = ?1 AND id = 'acme'")
      .bind(p.id)
      .first<number>('first_seen')
    expect(after).toBe(before)
  })

  it('still corrects a device clock reset to 2001 when sentAt comes from the same clock', async () => {
    const p = await newProject()
    const res = await post('/v1/batch', {
      writeKey: p.writeKey,
      sentAt: '2001-01-01T00:00:10Z',
      batch: [track('u', 'Reset Clock', { messageId: 'reset-1', timestamp: '2001-01-01T00:00:00Z' })],
    })
    expect((await res.json<Answer>()).accepted).toBe(1)
    const ts = (await archivedEvent(p.id, 'reset-1'))!.ts
    expect(Math.abs(ts - (Date.now() - 10_000))).toBeLessThan(5000)
  })

  it('imports history over the 90-day raw window with an admin key, and only with an admin key', async () => {
    const p = await newProject()
    const batch = [track('u', 'Backfilled', { timestamp: at(-80 * DAY) }), track('u', 'Too Old', { timestamp: at(-92 * DAY) })]
    expect((await post('/v1/import', { batch }, basic(p.writeKey))).status).toBe(401)
    const res = await post('/v1/import', { batch }, basic(p.adminKey))
    expect(res.status).toBe(200)
    const body = await res.json<Answer>()
    expect(body.accepted).toBe(1)
    expect(body.rejected[0].errors[0]).toMatch(/older than the 90-day raw event window/)
    expect(await count(p, 'Backfilled')).toBe(1)
  })

  it('never counts a retry twice after its dedupe key was purged: by then the event is too old to accept', async () => {
    const p = await newProject()
    const now = Date.now()
    const event = track('u', 'Invoice Paid', { messageId: 'paid-1', timestamp: new Date(now - 10 * DAY).toISOString() })
    const send = (receivedAt: number) =>
      ingest(
        env,
        JSON.stringify({ sentAt: new Date(receivedAt).toISOString(), batch: [event] }),
        basic(p.writeKey).authorization,
        undefined,
        receivedAt,
      ).catch((e: Error) => e)
    expect(await send(now)).toMatchObject({ accepted: 1 })
    // 85 days on, the daily purge has removed the dedupe key: no messageId is left to deduplicate against
    await purgeExpiredEvents(env.DB, now + 85 * DAY)
    expect(
      await env.DB.prepare("SELECT 1 AS x FROM event_ids WHERE project_id = ?1 AND message_id = 'paid-1'").bind(p.id).first('x'),
    ).toBeNull()
    const retry = await send(now + 85 * DAY)
    expect(retry).toMatchObject({ status: 400, code: 'no_valid_events' })
    expect(await count(p, 'Invoice Paid')).toBe(1)
  })
})

describe('Segment short paths and CORS (issue 8.9)', () => {
  it.each([
    ['/v1/t', { event: 'Short Track' }, 'track'],
    ['/v1/i', { traits: { email: 'a@b.test' } }, 'identify'],
    ['/v1/p', { name: 'Home', properties: { path: '/' } }, 'page'],
    ['/v1/s', { name: 'Settings' }, 'screen'],
    ['/v1/g', { groupId: 'short-co', traits: { name: 'Short Co' } }, 'group'],
    ['/v1/a', { previousId: 'anon-1' }, 'alias'],
  ])('POST %s stores one %s event', async (path, fields, type) => {
    const p = await newProject()
    const messageId = `short-${type}`
    const res = await post(
      path,
      { userId: 'u-short', messageId, timestamp: new Date().toISOString(), ...fields },
      { ...basic(p.writeKey), 'content-type': 'text/plain' },
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(await res.json()).toMatchObject({ accepted: 1 })
    expect((await archivedEvent(p.id, messageId))?.type).toBe(type)
  })

  it('POST /v1/b stores a batch', async () => {
    const p = await newProject()
    const res = await post('/v1/b', {
      writeKey: p.writeKey,
      sentAt: new Date().toISOString(),
      batch: [track('u', 'Batched'), track('u', 'Batched')],
    })
    expect(await res.json()).toMatchObject({ accepted: 2 })
    expect(await count(p, 'Batched')).toBe(2)
  })

  it.each(['/v1/t', '/v1/b', '/v1/batch', '/v1/import'])('answers the CORS preflight of %s for the Authorization header', async (path) => {
    const res = await fetchPreflight(path)
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type')
    expect(res.headers.get('access-control-allow-methods')).toContain('POST')
  })
})

function fetchPreflight(path: string) {
  return SELF.fetch(`http://uptake.test${path}`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://app.vendor.test',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  })
}

describe('the rollup step reads only the rows the request inserted (issue 8.17)', () => {
  it('reads a bounded number of rows for a batch spanning 25 days, whatever the project holds', async () => {
    const p = await newProject()
    const now = Date.now()
    const rows = (n: number, prefix: string, spreadDays: number) =>
      Array.from({ length: n }, (_, i) =>
        toEventRow(
          {
            type: 'track',
            messageId: `${prefix}-${i}`,
            userId: `user-${i % 50}`,
            event: 'Used',
            timestamp: new Date(now - ((i * spreadDays) / n) * DAY).toISOString(),
          },
          { receivedAt: now, tagTrack: trackTagger(emptyFeatureIndex()), newId: () => crypto.randomUUID() },
        ),
      )
    for (let b = 0; b < 6; b++) await writeIngest(env.DB, p.id, planIngest(rows(500, `bulk-${b}`, 25)), now)
    const wide = [...rows(2, 'wide', 25)]
    wide[1] = { ...wide[1], ts: now - 25 * DAY }
    const written = await writeIngest(env.DB, p.id, planIngest(wide), now)
    expect(written.inserted).toBe(2)
    // four rollup statements over two new rows (user days and event days, each split into staying and moving
    // rows): 40 rows read here; the ts BETWEEN filter read 9,011
    expect(written.rollupRowsRead).toBeLessThan(60)
    expect(await count(p, 'Used')).toBe(3002)
  })
})
