import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { eraseAccount, eraseUser } from '../../worker/src/accounts/erasure-store'
import { gzip } from '../../worker/src/ingest'
import { readBloom } from '../../worker/src/lib/bloom'
import { archivedEvents, newProject, post, type TestProject } from './fixtures'

const DAY = 86_400_000

/** The archive bucket with a count of the objects read (GET of a `raw/` key): what erasure pays per object. */
function countingArchive() {
  const bucket = env.RAW_EVENTS
  const counts = { gets: 0 }
  const counted = new Proxy(bucket, {
    get(target, prop) {
      if (prop === 'get')
        return (key: string, ...rest: unknown[]) => {
          if (key.startsWith('raw/')) counts.gets++
          return (target.get as (...a: unknown[]) => unknown).call(target, key, ...rest)
        }
      const value = Reflect.get(target, prop)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { env: { ...env, RAW_EVENTS: counted }, counts }
}

const objectsOf = async (p: TestProject) =>
  (await env.RAW_EVENTS.list({ prefix: `raw/${p.id}/`, include: ['customMetadata'] } as R2ListOptions)).objects

/** `users` customers in 10 accounts, one batch (so one archive object) each; u7 also browsed anonymously two days before. */
async function manyObjects(users: number): Promise<TestProject> {
  const p = await newProject('erasure-filter')
  const earlier = new Date(Date.now() - 2 * DAY).toISOString()
  const anonymous = [{ type: 'page', anonymousId: 'anon-7', name: 'Pricing', timestamp: earlier }]
  expect((await post('/v1/batch', { writeKey: p.writeKey, batch: anonymous })).status).toBe(200)
  for (let i = 0; i < users; i++) {
    const batch = [
      { type: 'identify', userId: `u${i}`, anonymousId: `anon-${i}`, traits: { email: `u${i}@example.test` } },
      { type: 'group', userId: `u${i}`, groupId: `acct-${i % 10}` },
      { type: 'track', userId: `u${i}`, event: 'Report Exported', context: { groupId: `acct-${i % 10}` } },
    ]
    expect((await post('/v1/batch', { writeKey: p.writeKey, batch })).status).toBe(200)
  }
  return p
}

describe('erasure reads only the archive objects that may hold its person', { timeout: 60_000 }, () => {
  it('each new object carries a filter of its users, anonymous ids and accounts', async () => {
    const p = await manyObjects(3)
    const objects = await objectsOf(p)
    expect(objects.length).toBe(4)
    for (const o of objects) expect(readBloom(o.customMetadata?.who)).not.toBeNull()
    const today = objects.filter((o) => o.customMetadata?.events === '3')
    const holders = today.filter((o) => readBloom(o.customMetadata?.who)!.mayHold('u:u1'))
    expect(holders.length).toBe(1)
    const bloom = readBloom(holders[0].customMetadata!.who)!
    expect([bloom.mayHold('a:anon-1'), bloom.mayHold('c:acct-1')]).toEqual([true, true])
  })

  it('a user erasure over 41 objects reads the few that can hold the user, and removes every line as before', async () => {
    const p = await manyObjects(40)
    const before = await archivedEvents(p.id)
    const { env: counted, counts } = countingArchive()
    const r = await eraseUser(counted as typeof env, p.id, 'u7', {})
    expect(r.status).toBe('done')
    // the user's own object, the anonymous one two days earlier (found through anon-7), and rare false positives
    expect(counts.gets).toBeGreaterThanOrEqual(2)
    expect(counts.gets).toBeLessThanOrEqual(3)
    const after = await archivedEvents(p.id)
    expect(after.filter((e) => e.user_id === 'u7' || e.anonymous_id === 'anon-7')).toEqual([])
    expect(after.length).toBe(before.length - before.filter((e) => e.user_id === 'u7' || e.anonymous_id === 'anon-7').length)
    expect(r.deleted.archived_events).toBe(4)
  })

  it('an account erasure reads the objects of its users and lines, not the others', async () => {
    const p = await manyObjects(40)
    const { env: counted, counts } = countingArchive()
    let r = await eraseAccount(counted as typeof env, p.id, 'acct-3', {})
    for (let i = 0; r.status !== 'done' && i < 20; i++) r = await eraseAccount(counted as typeof env, p.id, 'acct-3', {})
    expect(r.status).toBe('done')
    // four users (u3, u13, u23, u33) in four objects, of 41
    expect(counts.gets).toBeGreaterThanOrEqual(4)
    expect(counts.gets).toBeLessThanOrEqual(5)
    const after = await archivedEvents(p.id)
    expect(after.filter((e) => e.account_id === 'acct-3' || ['u3', 'u13', 'u23', 'u33'].includes(e.user_id ?? ''))).toEqual([])
    expect(after.filter((e) => e.user_id === 'u4').length).toBe(3)
  })

  it('an object without a filter (written before filters existed) is always read', async () => {
    const p = await manyObjects(2)
    const day = new Date().toISOString().slice(0, 10)
    const line = {
      message_id: crypto.randomUUID(),
      type: 'track',
      kind: 'feature',
      name: 'Old Event',
      user_id: 'u1',
      anonymous_id: null,
      account_id: 'acct-1',
      feature_key: null,
      amount: null,
      meaningful: true,
      active_seconds: 0,
      app_version: null,
      ts: Date.now() - 1000,
      received_at: Date.now() - 1000,
      properties: {},
      context: {},
    }
    await env.RAW_EVENTS.put(`raw/${p.id}/${day}/1-legacy.ndjson.gz`, await gzip(JSON.stringify(line) + '\n'), {
      customMetadata: { events: '1', day },
    })
    const { env: counted, counts } = countingArchive()
    expect((await eraseUser(counted as typeof env, p.id, 'u1', {})).status).toBe('done')
    expect((await archivedEvents(p.id)).filter((e) => e.user_id === 'u1')).toEqual([])
    // the legacy object and u1's own, of four
    expect(counts.gets).toBeGreaterThanOrEqual(2)
    expect(counts.gets).toBeLessThanOrEqual(3)
  })
})
