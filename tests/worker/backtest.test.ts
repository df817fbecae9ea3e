import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { listFeatures } from '../../worker/src/features'
import { DEFAULT_CONFIG } from '../../worker/src/scoring/defaults'
import { loadScoringInputs } from '../../worker/src/scoring/inputs-store'
import { scoreProject } from '../../worker/src/scoring/project'
import { api, basic, newProject, post, type TestProject } from './fixtures'

const DAY = 86_400_000
const ago = (d: number) => new Date(Date.now() - d * DAY + 3600_000).toISOString()
const dayAgo = (d: number) => new Date(Date.now() - d * DAY).toISOString().slice(0, 10)
let p: TestProject

type Ev = Record<string, unknown>
const use = (user: string, account: string, event: string, daysAgo: number): Ev => ({
  type: 'track',
  messageId: crypto.randomUUID(),
  userId: user,
  event,
  timestamp: ago(daysAgo),
  context: { groupId: account },
})

interface Backtest {
  days_before: number
  scored: number
  not_yet_seen: number
  left_out: number
  report: {
    accounts: number
    churned: number
    auc: { auc: number; accounts: number } | null
    bands: Record<string, { accounts: number; churned: number; churn_rate: number | null }>
    measures: { measure: string; auc: number | null }[]
  }
}

beforeAll(async () => {
  p = await newProject('backtest')
  for (const [key, event, kind] of [
    ['f1', 'F1 Used', 'feature'],
    ['paid', 'Invoice Paid', 'value'],
  ] as const) {
    expect(
      (
        await api(`/features/${key}`, p.adminKey, {
          method: 'PUT',
          body: JSON.stringify({ name: event, kind, core: kind === 'feature', rules: [{ match: 'event', event }] }),
        })
      ).status,
    ).toBe(201)
  }
  const events: Ev[] = []
  for (let i = 0; i < 6; i++) {
    for (const [account, from, to] of [
      [`kept${i}`, 80, 1],
      [`lost${i}`, 80, 76],
    ] as const) {
      events.push({
        type: 'group',
        messageId: crypto.randomUUID(),
        userId: `${account}-u`,
        groupId: account,
        traits: { name: account },
        timestamp: ago(80),
      })
      for (let d = from; d >= to; d--) for (const e of ['F1 Used', 'Invoice Paid']) events.push(use(`${account}-u`, account, e, d))
    }
  }
  // first seen 10 days ago: 30 days before its outcome it did not exist yet
  events.push({
    type: 'group',
    messageId: crypto.randomUUID(),
    userId: 'newbie-u',
    groupId: 'newbie',
    traits: { name: 'Newbie' },
    timestamp: ago(10),
  })
  events.push(use('newbie-u', 'newbie', 'F1 Used', 9))
  for (let i = 0; i < events.length; i += 400)
    expect((await post('/v1/import', { batch: events.slice(i, i + 400) }, basic(p.adminKey))).status).toBe(200)
  for (let i = 0; i < 6; i++) {
    expect(
      (
        await api(`/accounts/kept${i}/outcomes`, p.adminKey, {
          method: 'POST',
          body: JSON.stringify({ kind: i % 2 ? 'renewed' : 'expanded', date: dayAgo(5) }),
        })
      ).status,
    ).toBe(201)
    expect(
      (await api(`/accounts/lost${i}/outcomes`, p.adminKey, { method: 'POST', body: JSON.stringify({ kind: 'churned', date: dayAgo(5) }) }))
        .status,
    ).toBe(201)
  }
  expect(
    (await api('/accounts/newbie/outcomes', p.adminKey, { method: 'POST', body: JSON.stringify({ kind: 'renewed', date: dayAgo(1) }) }))
      .status,
  ).toBe(201)
})

describe('GET /api/v1/scoring/backtest', () => {
  it('scores each account with an outcome as of N days before it and reports how well the score predicted churn', async () => {
    const res = await api('/scoring/backtest?days_before=30', p.readKey)
    expect(res.status).toBe(200)
    const b = await res.json<Backtest>()
    expect(b).toMatchObject({ days_before: 30, scored: 12, not_yet_seen: 1, left_out: 0 })
    expect(b.report).toMatchObject({ accounts: 12, churned: 6 })
    // 30 days before their outcome the churned accounts had been silent for six weeks: every one scored below every kept one
    expect(b.report.auc).toMatchObject({ auc: 1, accounts: 12 })
    expect(b.report.bands.red.churned).toBe(6)
    expect(b.report.bands.green.churned).toBe(0)
    expect(b.report.measures.find((m) => m.measure === 'seat_activation')?.auc).toBe(1)
  })

  it('reads only the rollups up to the as-of day: 78 days ago every account was equally busy, so the score cannot tell them apart', async () => {
    const b = await (await api('/scoring/backtest?days_before=73', p.readKey)).json<Backtest>()
    expect(b).toMatchObject({ scored: 12, not_yet_seen: 1 })
    expect(b.report.auc?.auc).toBe(0.5)
  })

  it('scores an account the same whether the whole project or only it is loaded', async () => {
    const at = Date.now() - 35 * DAY
    const features = await listFeatures(env.DB, p.id)
    const [full, some] = await Promise.all([
      loadScoringInputs(env.DB, p.id, at, []),
      loadScoringInputs(env.DB, p.id, at, [], { accountIds: ['kept0', 'lost0'] }),
    ])
    expect(some.accounts.map((a) => a.id).sort()).toEqual(['kept0', 'lost0'])
    expect(some.users.map((u) => u.id).sort()).toEqual(['kept0-u', 'lost0-u'])
    const health = (inputs: typeof full) =>
      ['kept0', 'lost0'].map((id) => scoreProject(inputs, DEFAULT_CONFIG, features, at).accounts.find((a) => a.accountId === id)!.health)
    expect(health(some)).toEqual(health(full))
    expect(health(some)[0].score).not.toBe(health(some)[1].score)
  })

  it('writes nothing and refuses bad parameters', async () => {
    await api('/scoring/backtest', p.readKey)
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM account_scores WHERE project_id = ?1').bind(p.id).first('n')).toBe(0)
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM account_score_snapshots WHERE project_id = ?1').bind(p.id).first('n')).toBe(0)
    expect((await api('/scoring/backtest?days_before=400', p.readKey)).status).toBe(400)
    expect((await api('/scoring/backtest?days=60', p.readKey)).status).toBe(400)
  })

  it('answers an empty report for a project without outcomes', async () => {
    const q = await newProject('backtest-empty')
    const b = await (await api('/scoring/backtest', q.readKey)).json<Backtest>()
    expect(b).toMatchObject({ days_before: 60, scored: 0, not_yet_seen: 0, report: { accounts: 0, auc: null } })
  })
})
