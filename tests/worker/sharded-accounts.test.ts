// Sharded state, the CS read side (issue 13): the same accounts, users, rollups, widget errors and outcomes seeded
// into an unsharded project and a 4-shard one answer the account list, Account 360, retention, renewals and widget
// errors identically, while the sharded project's user-grain rows live only in its shards.
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { accountCards } from '../../worker/src/accounts'
import { accountActivity, accountSummaries } from '../../worker/src/accounts/store'
import { dayOf, DAY_MS } from '../../worker/src/lib/days'
import { widgetErrorsOf } from '../../worker/src/projects/widget-errors-store'
import { outcomeCohortOf } from '../../worker/src/renewals/store'
import { stateLayout, type StateEnv } from '../../worker/src/shards'
import { api, newProject, type TestProject } from './fixtures'
import { insertStateRows, newShardedProject, rowsPerShard } from './state-fixtures'

const NOW = Date.now()
const day = (n: number) => dayOf(NOW - n * DAY_MS)
const ACCOUNTS = Array.from({ length: 24 }, (_, i) => `acct_${String(i).padStart(2, '0')}`)
const FEATURES = ['f.alpha', 'f.beta', 'f.gamma', 'f.delta']
const EVENT_NAMES = ['Invoice Created', 'Report Exported', 'Customer Added']

/** Deterministic pseudo-random numbers (mulberry32), so both projects get the very same rows. */
function rng(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Row = Record<string, string | number | null>

/** One data set: account-grain rows for D1, user-grain rows for wherever the project's layout keeps them. */
function dataSet() {
  const r = rng(13)
  const int = (n: number) => Math.floor(r() * n)
  const accounts: Row[] = []
  const scores: Row[] = []
  const outcomes: Row[] = []
  const users: Row[] = []
  const userDays: Row[] = []
  const eventDays: Row[] = []
  const featureDays: Row[] = []
  const events: Row[] = []
  let ts = NOW - 60_000
  ACCOUNTS.forEach((a, ai) => {
    const firstSeen = NOW - (20 + ai) * DAY_MS
    accounts.push({
      id: a,
      name: a.toUpperCase(),
      traits_json: JSON.stringify({ plan: ai % 2 ? 'pro' : 'free' }),
      attributes_json: JSON.stringify(ai % 3 ? { renewal_date: day(-(5 + ai * 3)), arr: 1000 * (ai + 1), owner: 'sam' } : {}),
      first_seen: firstSeen,
      last_seen: NOW - ai * 1000,
    })
    if (ai % 4)
      scores.push({
        account_id: a,
        day: day(0),
        model_version: 'v1',
        score: 30 + ai * 2,
        band: ai % 3 === 0 ? 'red' : ai % 3 === 1 ? 'yellow' : 'green',
        profile: 'b2b',
        explanation_json: '{}',
        computed_at: NOW,
      })
    if (ai < 18) {
      outcomes.push({ account_id: a, kind: 'renewed', date: day(200), amount: 500, created_at: NOW - 1000 })
      outcomes.push({ account_id: a, kind: ai % 3 === 0 ? 'churned' : 'renewed', date: day(10), amount: null, created_at: NOW })
    }
    const n = 2 + (ai % 4)
    for (let ui = 0; ui < n; ui++) {
      const u = `${a}_u${ui}`
      users.push({
        id: u,
        account_id: a,
        traits_json: JSON.stringify({ email: `${u}@x.test` }),
        first_seen: firstSeen,
        last_seen: NOW - (ai * 10 + ui) * 60_000,
      })
      for (let d = 0; d < 40; d++) {
        if (r() < 0.55) continue
        const dayStr = day(d)
        const ev = 1 + int(20)
        userDays.push({ user_id: u, day: dayStr, account_id: a, events: ev, meaningful: int(ev), logins: int(2) })
        for (const name of EVENT_NAMES)
          if (r() < 0.5) eventDays.push({ user_id: u, name, day: dayStr, account_id: a, n: 1 + int(9), amount: 0 })
        // f.ghost is not registered: it counts nowhere
        for (const key of [...FEATURES.slice(0, 3), 'f.ghost'])
          if (r() < 0.4) featureDays.push({ user_id: u, feature_key: key, day: dayStr, account_id: a, n: 1 + int(5), amount: 0 })
      }
      for (let e = 0; e < 3; e++) {
        ts -= 1000 + int(50_000)
        events.push({
          message_id: `m_${u}_${e}`,
          type: 'track',
          kind: 'system',
          name: '$widget_error',
          user_id: u,
          account_id: a,
          ts,
          received_at: ts,
          properties_json: JSON.stringify({ message: `boom ${u} ${e}`, where: 'nudges' }),
          context_json: JSON.stringify({ page: { path: `/p/${e}` } }),
        })
      }
    }
  })
  // a user in no account, and an old error and a non-error event that the list leaves out
  users.push({ id: 'loner', account_id: null, traits_json: '{}', first_seen: NOW, last_seen: NOW })
  userDays.push({ user_id: 'loner', day: day(1), account_id: null, events: 7, meaningful: 0, logins: 0 })
  const system = (id: string, name: string, at: number): Row => ({
    message_id: id,
    type: 'track',
    kind: 'system',
    name,
    user_id: 'loner',
    account_id: null,
    ts: at,
    received_at: at,
    properties_json: JSON.stringify({ message: id }),
    context_json: '{}',
  })
  events.push(
    system('m_old', '$widget_error', NOW - 8 * DAY_MS),
    system('m_shown', '$nudge_shown', NOW - 5000),
    system('m_loner', '$widget_error', NOW - 1500),
  )
  return { accounts, scores, outcomes, users, userDays, eventDays, featureDays, events }
}

async function seed(projectId: string) {
  const d = dataSet()
  await insertStateRows(projectId, 'accounts', d.accounts)
  await insertStateRows(projectId, 'account_scores', d.scores)
  await insertStateRows(projectId, 'account_outcomes', d.outcomes)
  await insertStateRows(
    projectId,
    'features',
    FEATURES.map((key, i) => ({
      key,
      name: key.toUpperCase(),
      kind: 'feature',
      core: i === 0 ? 1 : 0,
      rules_json: '[]',
      created_at: NOW,
      updated_at: NOW,
    })),
  )
  await insertStateRows(projectId, 'users', d.users)
  await insertStateRows(projectId, 'user_days', d.userDays)
  await insertStateRows(projectId, 'user_event_days', d.eventDays)
  await insertStateRows(projectId, 'user_feature_days', d.featureDays)
  await insertStateRows(projectId, 'events', d.events)
}

let plain: TestProject
let sharded: TestProject

beforeAll(async () => {
  plain = await newProject('accts1')
  sharded = await newShardedProject('accts4', 4)
  await seed(plain.id)
  await seed(sharded.id)
}, 120_000)

/** The same GET on both projects: status and body. */
async function both(path: string) {
  const [a, b] = await Promise.all([api(path, plain.readKey), api(path, sharded.readKey)])
  return {
    plain: { status: a.status, body: await a.json<Record<string, unknown>>() },
    sharded: { status: b.status, body: await b.json<Record<string, unknown>>() },
  }
}

const USER_GRAIN = ['users', 'user_days', 'user_event_days', 'user_feature_days', 'events']

describe('sharded project layout of the CS data', { timeout: 60_000 }, () => {
  it('keeps every user-grain row in the shards, spread over more than one, none in D1', async () => {
    for (const table of USER_GRAIN) {
      const perShard = await rowsPerShard(sharded.id, table)
      expect(perShard.filter((n) => n > 0).length, table).toBeGreaterThan(1)
      const inD1 = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`).bind(sharded.id).first<number>('n')
      expect(inD1, table).toBe(0)
      const plainRows = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`).bind(plain.id).first<number>('n')
      expect(
        perShard.reduce((x, y) => x + y, 0),
        table,
      ).toBe(plainRows)
    }
  })
})

describe('GET /api/v1/accounts on a sharded project', { timeout: 60_000 }, () => {
  it('answers the first page as the unsharded project, with real activity in it', async () => {
    const r = await both('/accounts')
    expect(r.sharded).toEqual(r.plain)
    const accounts = r.plain.body.accounts as { users: number; active_users: number; events_30d: number }[]
    expect(accounts).toHaveLength(ACCOUNTS.length)
    expect(accounts.every((a) => a.users > 0 && a.active_users > 0 && a.events_30d > 0)).toBe(true)
  })

  it('pages with limit and after exactly as the unsharded project', async () => {
    let after: string | null = ''
    let pages = 0
    while (after !== null) {
      const r = await both(`/accounts?limit=5${after ? `&after=${after}` : ''}`)
      expect(r.sharded).toEqual(r.plain)
      after = r.plain.body.next as string | null
      pages++
    }
    expect(pages).toBe(5)
    const tail = await both(`/accounts?limit=3&after=${ACCOUNTS[21]}`)
    expect(tail.sharded).toEqual(tail.plain)
    expect((tail.plain.body.accounts as unknown[]).length).toBe(2)
    const none = await both('/accounts?after=zzz')
    expect(none.sharded).toEqual(none.plain)
  })
})

describe('GET /api/v1/accounts/{id} (Account 360) on a sharded project', { timeout: 60_000 }, () => {
  it('answers users, event counts and feature use of every account as the unsharded project', async () => {
    for (const id of ACCOUNTS) {
      const r = await both(`/accounts/${id}`)
      expect(r.sharded, id).toEqual(r.plain)
      expect(r.plain.status).toBe(200)
    }
    const body = (await both(`/accounts/${ACCOUNTS[3]}`)).plain.body as {
      users: unknown[]
      events: { events_30d: number }[]
      features: { key: string; uses_total: number }[]
    }
    expect(body.users).toHaveLength(5)
    expect(body.events.some((e) => e.events_30d > 0)).toBe(true)
    // every registered feature, f.delta never used, f.ghost (not registered) left out
    expect(body.features.map((f) => f.key)).toEqual([...FEATURES].sort())
    expect(body.features.find((f) => f.key === 'f.alpha')!.uses_total).toBeGreaterThan(0)
    expect(body.features.find((f) => f.key === 'f.delta')).toMatchObject({ uses_total: 0, first_day: null, last_day: null })
  })

  it('answers 404 for an unknown account on both', async () => {
    const r = await both('/accounts/nope')
    expect(r.sharded).toEqual(r.plain)
    expect(r.plain.status).toBe(404)
  })
})

describe('renewals and retention on a sharded project', { timeout: 60_000 }, () => {
  it('the retention report reads feature use before each account’s cut-off as the unsharded project', async () => {
    for (const q of ['', '?days=10', '?days=25&min_uses=3', '?days=365&min_uses=1']) {
      const r = await both(`/health/retention${q}`)
      expect(r.sharded, q).toEqual(r.plain)
      expect(r.plain.status).toBe(200)
    }
    const body = (await both('/health/retention?days=10')).plain.body as { accounts_with_outcomes: number; features: { key: string }[] }
    expect(body.accounts_with_outcomes).toBe(18)
  })

  it('the cohort’s feature use equals the unsharded one and is not empty', async () => {
    const sort = (u: { accountId: string; featureKey: string; n: number }[]) =>
      [...u].sort((a, b) => a.accountId.localeCompare(b.accountId) || a.featureKey.localeCompare(b.featureKey))
    for (const days of [5, 10, 30]) {
      const [a, b] = await Promise.all([
        outcomeCohortOf(stateLayout(env, plain.id, 1), days),
        outcomeCohortOf(stateLayout(env, sharded.id, 4), days),
      ])
      expect(a.uses.length).toBeGreaterThan(0)
      expect(sort(b.uses)).toEqual(sort(a.uses))
      expect([...b.outcomes].sort((x, y) => x.accountId.localeCompare(y.accountId))).toEqual(
        [...a.outcomes].sort((x, y) => x.accountId.localeCompare(y.accountId)),
      )
    }
  })

  it('upcoming renewals and outcome lists (account grain, D1) answer as the unsharded project', async () => {
    for (const w of ['30', '90', '180']) {
      const r = await both(`/renewals?within_days=${w}`)
      expect(r.sharded).toEqual(r.plain)
    }
    const withoutIds = (b: Record<string, unknown>) => (b.outcomes as { id: number }[]).map(({ id: _, ...o }) => o)
    const r = await both(`/accounts/${ACCOUNTS[2]}/outcomes`)
    expect(withoutIds(r.sharded.body)).toEqual(withoutIds(r.plain.body))
    expect(withoutIds(r.plain.body)).toHaveLength(2)
  })
})

describe('account cards on a sharded project', { timeout: 60_000 }, () => {
  it('read accounts and scores from D1 (account grain), as for the unsharded project', async () => {
    const ids = [...ACCOUNTS, 'nope']
    const [a, b] = await Promise.all([accountCards(env.DB, plain.id, ids), accountCards(env.DB, sharded.id, ids)])
    expect([...b.entries()]).toEqual([...a.entries()])
    expect(a.size).toBe(ACCOUNTS.length)
    expect([...a.values()].filter((c) => c.score !== null).length).toBe(18)
  })
})

describe('GET /api/v1/widget-errors on a sharded project', { timeout: 60_000 }, () => {
  it('merges every shard’s newest errors into the same 100 newest, newest first', async () => {
    const r = await both('/widget-errors')
    expect(r.sharded).toEqual(r.plain)
    const errors = r.plain.body.errors as { at: string; user_id: string | null }[]
    expect(errors).toHaveLength(100)
    expect(errors[0].user_id).toBe('loner')
    expect(errors.map((e) => e.at)).toEqual([...errors.map((e) => e.at)].sort().reverse())
  })
})

/** Counts the shard calls (Durable Object RPCs) a state layout makes. */
function countingEnv(): { env: StateEnv; calls: () => number; rowsRead: () => number } {
  let calls = 0
  let rowsRead = 0
  const ns = env.ACCOUNT_SHARDS!
  const counting = {
    idFromName: (name: string) => ns.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = ns.get(id)
      return {
        execute: async (statements: Parameters<typeof stub.execute>[0]) => {
          calls++
          const results = await stub.execute(statements)
          for (const r of results) rowsRead += r.rowsRead
          return results
        },
      }
    },
  }
  return {
    env: { DB: env.DB, ACCOUNT_SHARDS: counting as unknown as StateEnv['ACCOUNT_SHARDS'] },
    calls: () => calls,
    rowsRead: () => rowsRead,
  }
}

describe('shard calls per read', { timeout: 60_000 }, () => {
  it('one call for Account 360, one per shard for the list, the cohort and widget errors', async () => {
    const since = day(29)
    const c = countingEnv()
    const state = stateLayout(c.env, sharded.id, 4)
    await accountActivity(state, ACCOUNTS[5], since)
    expect(c.calls()).toBe(1)
    await accountSummaries(state, since, { limit: 500 })
    expect(c.calls()).toBe(1 + 4)
    const before = c.rowsRead()
    await outcomeCohortOf(state, 30)
    expect(c.calls()).toBe(1 + 4 + 4)
    // one index seek per outcome account (index + row per feature day): a plan that scanned each shard's feature days per account read ~9× all of them
    const featureDays = (await rowsPerShard(sharded.id, 'user_feature_days')).reduce((x, y) => x + y, 0)
    expect(c.rowsRead() - before).toBeLessThan(2 * featureDays)
    await widgetErrorsOf(state, NOW - 7 * DAY_MS)
    expect(c.calls()).toBe(1 + 4 + 4 + 4)
  })
})
