import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { UptakeEvent } from '../../shared/events'
import { LAST_SEEN_STEP_MS, writeIngest } from '../../worker/src/ingest/store'
import { toEventRow, type EventRow, type TagTrack } from '../../worker/src/ingest/normalize'
import { planIngest } from '../../worker/src/ingest/plan'
import { newProject, type TestProject } from './fixtures'

const T0 = Date.UTC(2026, 10, 20, 8)
const MIN = 60_000
const dayOf = (ts: number) => new Date(ts).toISOString().slice(0, 10)

// names starting with F are features, 'Paid' is a value event with an amount: every rollup table gets rows
const tagTrack: TagTrack = (name, properties) =>
  name === 'Paid'
    ? { kind: 'value', featureKey: null, amount: Number(properties.amount ?? 0), meaningful: true }
    : {
        kind: name.startsWith('F') ? 'feature' : 'track',
        featureKey: name.startsWith('F') ? name.toLowerCase() : null,
        amount: null,
        meaningful: false,
      }

let seq = 0
function row(e: {
  user: string
  account: string | null
  name: string
  ts: number
  type?: 'track' | 'page' | 'identify'
  traits?: Record<string, unknown>
}): EventRow {
  const base = {
    messageId: `m-${++seq}`,
    userId: e.user,
    timestamp: new Date(e.ts).toISOString(),
    context: e.account ? { groupId: e.account } : {},
  }
  const event: UptakeEvent =
    e.type === 'page'
      ? { ...base, type: 'page', name: e.name }
      : e.type === 'identify'
        ? { ...base, type: 'identify', traits: e.traits ?? {} }
        : { ...base, type: 'track', event: e.name, properties: e.name === 'Paid' ? { amount: 10 } : {} }
  return toEventRow(event, { receivedAt: T0, tagTrack, newId: () => crypto.randomUUID(), ts: e.ts })
}

const write = (p: TestProject, rows: EventRow[]) => writeIngest(env.DB, p.id, planIngest(rows), T0)

async function rollups(p: TestProject) {
  const all = (sql: string) =>
    env.DB.prepare(sql)
      .bind(p.id)
      .all()
      .then((r) => r.results)
  return {
    days: await all('SELECT user_id, day, account_id, events, value_amount FROM user_days WHERE project_id = ?1 ORDER BY user_id, day'),
    events: await all(
      'SELECT user_id, name, day, account_id, n, amount FROM user_event_days WHERE project_id = ?1 ORDER BY user_id, name, day',
    ),
    features: await all(
      'SELECT user_id, feature_key, day, account_id, n FROM user_feature_days WHERE project_id = ?1 ORDER BY user_id, feature_key, day',
    ),
    users: await all('SELECT id, account_id FROM users WHERE project_id = ?1 ORDER BY id'),
  }
}

type Row = Record<string, unknown>
/**
 * The rollups as ingest defines them, written by hand: counts add up; a (user, day) takes the account of the
 * write's latest event, a (user, name|feature, day) the greatest account of the write's events; an event without
 * an account takes its user's, which is the account of the user's latest event that names one.
 */
function expected(writes: EventRow[][]) {
  const days = new Map<string, Row>()
  const events = new Map<string, Row>()
  const features = new Map<string, Row>()
  const users = new Map<string, string | null>()
  const key = (...k: unknown[]) => JSON.stringify(k)
  const maxAcct = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b)
  for (const rows of writes) {
    for (const r of [...rows].sort((a, b) => a.ts - b.ts)) {
      if (!users.has(r.userId!)) users.set(r.userId!, null)
      if (r.accountId) users.set(r.userId!, r.accountId)
    }
    const acct = (r: EventRow) => r.accountId ?? users.get(r.userId!) ?? null
    const latest = new Map<string, EventRow>()
    const keyed = new Map<string, { table: Map<string, Row>; row: Row; account: string | null }>()
    for (const r of rows) {
      const k = key(r.userId, dayOf(r.ts))
      const d = days.get(k) ?? { user_id: r.userId, day: dayOf(r.ts), account_id: null, events: 0, value_amount: 0 }
      d.events = (d.events as number) + 1
      d.value_amount = (d.value_amount as number) + (r.kind === 'value' ? (r.amount ?? 0) : 0)
      days.set(k, d)
      if ((latest.get(k)?.ts ?? -1) < r.ts) latest.set(k, r)
      const add = (table: Map<string, Row>, col: string, v: string | null) => {
        if (v === null) return
        const tk = key(r.userId, v, dayOf(r.ts))
        const row = table.get(tk) ?? {
          user_id: r.userId,
          [col]: v,
          day: dayOf(r.ts),
          account_id: null,
          n: 0,
          ...(col === 'name' ? { amount: 0 } : {}),
        }
        row.n = (row.n as number) + 1
        if (col === 'name') row.amount = (row.amount as number) + (r.amount ?? 0)
        table.set(tk, row)
        const ks = key(col, tk)
        keyed.set(ks, { table, row, account: maxAcct(keyed.get(ks)?.account ?? null, acct(r)) })
      }
      if (r.type === 'track' || r.type === 'page') add(events, 'name', r.name)
      add(features, 'feature_key', r.featureKey)
    }
    for (const [k, r] of latest) if (acct(r) !== null) days.get(k)!.account_id = acct(r)
    for (const { row, account } of keyed.values()) if (account !== null) row.account_id = account
  }
  // the order of the queries' ORDER BY (these keys hold no characters that sort apart in SQLite and JS)
  const byKeys = (m: Map<string, Row>, keys: string[]) =>
    [...m.values()].sort((a, b) => key(...keys.map((k) => a[k])).localeCompare(key(...keys.map((k) => b[k]))))
  return {
    days: byKeys(days, ['user_id', 'day']),
    events: byKeys(events, ['user_id', 'name', 'day']),
    features: byKeys(features, ['user_id', 'feature_key', 'day']),
    users: [...users].map(([id, account_id]) => ({ id, account_id })).sort((a, b) => a.id.localeCompare(b.id)),
  }
}

describe('rollups written without rewriting unchanged account indexes (issue 13)', () => {
  it('equal a recount of the events, accounts moving with the latest write, whatever users, accounts and days the writes mix', async () => {
    const event = fc.record({
      user: fc.constantFrom('u1', 'u2', 'u3'),
      account: fc.constantFrom('a1', 'a2', 'a3', null),
      name: fc.constantFrom('Alpha', 'Beta', 'Fx', 'Fy', 'Paid'),
      page: fc.boolean(),
      day: fc.integer({ min: 0, max: 2 }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(event, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 }), async (spec) => {
        const p = await newProject('rows-prop')
        // distinct timestamps within a write, so "the latest event" is one event
        const writes = spec.map((events) =>
          events.map((e, i) =>
            row({ user: e.user, account: e.account, name: e.name, type: e.page ? 'page' : 'track', ts: T0 + e.day * 86_400_000 + i * MIN }),
          ),
        )
        for (const rows of writes) await write(p, rows)
        const want = expected(writes)
        expect(await rollups(p)).toEqual(want)
      }),
      { numRuns: 25 },
    )
  })

  it('writes one row per rollup row and no users or accounts row when only counts change within the step', async () => {
    const p = await newProject('rows-repeat')
    const at = (name: string, ts: number, account = 'a1') => row({ user: 'u1', account, name, ts })
    const first = await write(p, [at('Alpha', T0), at('Alpha', T0 + 1000), at('Beta', T0 + 2000)])
    expect(first.inserted).toBe(3)
    // 2 dedupe rows + 1 user day + 2 event days; the account index was rewritten for each (10 rows) before
    const again = await write(p, [at('Alpha', T0 + 10 * MIN), at('Beta', T0 + 11 * MIN)])
    expect(again.rowsWritten).toBe(5)
    const seen = () =>
      env.DB.prepare(
        "SELECT u.first_seen, u.last_seen, a.last_seen AS account_last_seen FROM users u JOIN accounts a ON a.project_id = u.project_id AND a.id = 'a1' WHERE u.project_id = ?1 AND u.id = 'u1'",
      )
        .bind(p.id)
        .first()
    expect(await seen()).toEqual({ first_seen: T0, last_seen: T0 + 2000, account_last_seen: T0 + 2000 })
    // a step later the user and the account are seen again: one row each
    const later = await write(p, [at('Alpha', T0 + 2000 + LAST_SEEN_STEP_MS)])
    expect(later.rowsWritten).toBe(1 + 1 + 1 + 2)
    expect(await seen()).toEqual({
      first_seen: T0,
      last_seen: T0 + 2000 + LAST_SEEN_STEP_MS,
      account_last_seen: T0 + 2000 + LAST_SEEN_STEP_MS,
    })
    // history a step older moves first_seen back
    await write(p, [at('Alpha', T0 - LAST_SEEN_STEP_MS)])
    expect(await seen()).toMatchObject({ first_seen: T0 - LAST_SEEN_STEP_MS })
  })

  it('keeps the UTC day of first_seen and last_seen exact, however close to midnight the step would leave them', async () => {
    const p = await newProject('rows-midnight')
    const D = Date.UTC(2026, 10, 20)
    const at = (ts: number) => row({ user: 'u1', account: 'a1', name: 'Alpha', ts })
    const seen = () => env.DB.prepare("SELECT first_seen, last_seen FROM users WHERE project_id = ?1 AND id = 'u1'").bind(p.id).first()
    await write(p, [at(D + 30_000)])
    await write(p, [at(D - 10_000)]) // 40 s earlier, the day before
    expect(await seen()).toEqual({ first_seen: D - 10_000, last_seen: D + 30_000 })
    await write(p, [at(D + 86_400_000 - 10_000)])
    await write(p, [at(D + 86_400_000 + 10_000)]) // 20 s later, the next day
    expect(await seen()).toEqual({ first_seen: D - 10_000, last_seen: D + 86_400_000 + 10_000 })
    await write(p, [at(D + 86_400_000 + 50_000)]) // within the step, the same day: left alone
    expect(await seen()).toEqual({ first_seen: D - 10_000, last_seen: D + 86_400_000 + 10_000 })
  })

  it('rewrites a user only when an identify changes its traits', async () => {
    const p = await newProject('rows-traits')
    const identify = (ts: number, traits: Record<string, unknown>) =>
      row({ user: 'u1', account: null, name: '', type: 'identify', traits, ts })
    await write(p, [identify(T0, { plan: 'team' })])
    const traits = () =>
      env.DB.prepare("SELECT traits_json FROM users WHERE project_id = ?1 AND id = 'u1'").bind(p.id).first<string>('traits_json')
    // same traits: the dedupe row and the user day only
    expect((await write(p, [identify(T0 + MIN, { plan: 'team' })])).rowsWritten).toBe(2)
    expect((await write(p, [identify(T0 + 2 * MIN, { seats: 5 })])).rowsWritten).toBe(3)
    expect(JSON.parse((await traits())!)).toEqual({ plan: 'team', seats: 5 })
  })
})
