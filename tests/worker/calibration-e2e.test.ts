import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { auc } from '../../worker/src/lib/stats'
import {
  accountDays,
  featureDefinitions,
  recordedOutcomes,
  segmentEvents,
  simulate,
  type SimAccount,
  type Simulation,
} from '../fixtures/simulator'
import { api, basic, newProject, post, type TestProject } from './fixtures'

/**
 * The simulated customer base through the public API, as a vendor would send it: features registered, every event
 * through `/v1/import`, outcomes through `POST /accounts/:id/outcomes`; then the backtest, calibration, applying the
 * proposal, a scoring run and the retained-vs-churned table. The timeline fits the 90-day raw window: accounts are
 * scored after 60 days of life and renew 30 days later (backtest `days_before=30`); the simulation's today is
 * yesterday, so no event lies in the future. 120 historic accounts with outcomes, 80 current ones whose future only
 * the simulator knows; ~4 seats each, compact events (one track per feature and day), to stay well under 40 s.
 */
const SEED = 3
const DAY = 86_400_000
const r3 = (x: number) => Math.round(x * 1000) / 1000
const MEASURES = ['seat_activation', 'hau_share', 'feature_breadth', 'value_realisation', 'momentum'] as const

let p: TestProject
let sim: Simulation
const f = {} as {
  importMs: number
  events: number
  backtest: { scored: number; report: { auc: { auc: number } | null; bands: Record<string, { accounts: number; churned: number }> } }
  calibration: {
    proposed: { version: string; config: Record<string, unknown>; band_rule: string; risk: { red_at: number; yellow_at: number } }
    backtest: { current: { auc: { auc: number } }; proposed: { auc: { auc: number } } }
  }
  applied: { version: string; source: string; calibration: { churned: number; renewed: number } | null }
  current: {
    a: SimAccount
    score: number | null
    band: string
    churnRisk: boolean
    defaultScore: number | null
    measures: Record<string, number | null>
  }[]
  labels: { key: string; label: string; q_value?: number | null }[]
  totalMs: number
}

const aucOf = (rows: typeof f.current, value: (r: (typeof f.current)[number]) => number | null) => {
  const kept = rows.filter((r) => value(r) !== null)
  return r3(
    auc(
      kept.map((r) => -(value(r) as number)),
      kept.map((r) => r.a.churned),
    )!,
  )
}

beforeAll(async () => {
  const today = new Date(Date.now() - DAY).toISOString().slice(0, 10)
  sim = simulate({
    seed: SEED,
    historic: 150,
    current: 100,
    features: 10,
    lifeDays: 60,
    daysBefore: 30,
    historicSpreadDays: 0,
    seatsMedian: 3,
    today,
  })
  p = await newProject('calibration-e2e')
  for (const def of featureDefinitions(sim)) {
    const { key, ...body } = def
    expect((await api(`/features/${key}`, p.adminKey, { method: 'PUT', body: JSON.stringify(body) })).status).toBe(201)
  }
  const events = sim.accounts.flatMap((a) => segmentEvents(sim, a, accountDays(sim, a), { compact: true }))
  f.events = events.length
  const started = Date.now()
  // three requests in flight, as a backend replaying its queue would send them
  const batches = Array.from({ length: Math.ceil(events.length / 500) }, (_, i) => events.slice(i * 500, (i + 1) * 500))
  for (let i = 0; i < batches.length; i += 3)
    for (const res of await Promise.all(batches.slice(i, i + 3).map((batch) => post('/v1/import', { batch }, basic(p.adminKey)))))
      expect(res.status).toBe(200)
  f.importMs = Date.now() - started
  const outcomes = recordedOutcomes(sim)
  for (let i = 0; i < outcomes.length; i += 10)
    for (const res of await Promise.all(
      outcomes
        .slice(i, i + 10)
        .map((o) =>
          api(`/accounts/${o.accountId}/outcomes`, p.adminKey, { method: 'POST', body: JSON.stringify({ kind: o.kind, date: o.date }) }),
        ),
    ))
      expect(res.status).toBe(201)
  // the current cohort as of the simulation's today under the default model: a backfill writes that day's snapshot only
  expect((await api('/scoring/run', p.adminKey, { method: 'POST', body: JSON.stringify({ at: `${today}T12:00:00Z` }) })).status).toBe(200)
  f.backtest = await (await api('/scoring/backtest?days_before=30', p.readKey)).json()
  const cal = await api('/scoring/calibrate', p.adminKey, { method: 'POST', body: JSON.stringify({ days_before: 30 }) })
  expect(cal.status).toBe(200)
  f.calibration = await cal.json()
  const put = await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify(f.calibration.proposed.config) })
  expect(put.status).toBe(200)
  f.applied = await put.json()
  expect((await api('/scoring/run', p.adminKey, { method: 'POST', body: '{}' })).status).toBe(200)
  const ranking = await (
    await api('/health/accounts?limit=1000&sort=health', p.readKey)
  ).json<{
    items: { account_id: string; score: number | null; band: string; churn_risk: boolean }[]
  }>()
  const snapshots = await env.DB.prepare(
    'SELECT account_id, score, measures_json FROM account_score_snapshots WHERE project_id = ?1 AND day = ?2',
  )
    .bind(p.id, today)
    .all<{ account_id: string; score: number | null; measures_json: string }>()
  const before = new Map(snapshots.results.map((s) => [s.account_id, s]))
  const now = new Map(ranking.items.map((i) => [i.account_id, i]))
  f.current = sim.accounts
    .filter((a) => a.cohort === 'current')
    .map((a) => {
      const b = before.get(a.id)
      const n = now.get(a.id)
      return {
        a,
        score: n?.score ?? null,
        band: n?.band ?? 'missing',
        churnRisk: n?.churn_risk ?? false,
        defaultScore: b?.score ?? null,
        measures: Object.fromEntries(
          ((b ? JSON.parse(b.measures_json) : []) as { key: string; score: number | null }[]).map((m) => [m.key, m.score]),
        ),
      }
    })
  f.labels = (await (await api('/health/retention?days=30', p.readKey)).json<{ features: typeof f.labels }>()).features
  f.totalMs = Date.now() - started
}, 180_000)

describe(`simulated base through the public API (seed ${SEED})`, () => {
  it('reports the figures', () => {
    const singles = Object.fromEntries(MEASURES.map((m) => [m, aucOf(f.current, (r) => r.measures[m] ?? null)]))
    const bands = (['red', 'yellow', 'green'] as const).map((b) => {
      const inBand = f.current.filter((r) => r.band === b)
      return `${b} ${inBand.filter((r) => r.a.churned).length}/${inBand.length}`
    })
    const oracle = r3(
      auc(
        f.current.map((r) => r.a.churnProbability),
        f.current.map((r) => r.a.churned),
      )!,
    )
    console.info(
      [
        `seed ${SEED}: ${f.events} events imported in ${f.importMs} ms; backtest (days_before 30, default model) scored ${f.backtest.scored}, AUC ${f.backtest.report.auc?.auc}`,
        `  calibrate CV AUC current ${f.calibration.backtest.current.auc.auc}, proposed ${f.calibration.backtest.proposed.auc.auc}; ${f.calibration.proposed.band_rule}`,
        `  current cohort AUC: default ${aucOf(f.current, (r) => r.defaultScore)}, calibrated ${aucOf(f.current, (r) => r.score)}, oracle ${oracle}, singles ${JSON.stringify(singles)}`,
        `  calibrated bands: ${bands.join(', ')}; labels ${f.labels.map((l) => `${l.key} ${l.label} q ${l.q_value}`).join('; ')}`,
        `  from the first import to the table: ${f.totalMs} ms`,
      ].join('\n'),
    )
    expect(f.current.every((r) => r.score !== null && r.defaultScore !== null)).toBe(true)
  })

  it('backtests the default model on every historic account (scored 30 days before its outcome)', () => {
    expect(f.backtest.scored).toBe(150)
    expect(f.backtest.report.auc!.auc).toBeGreaterThan(0.6)
  })

  it('applying the proposal unchanged records a calibrated model version with its fit', async () => {
    expect(f.applied).toMatchObject({ version: f.calibration.proposed.version, source: 'calibrated' })
    expect(f.applied.calibration).toMatchObject({ churned: expect.any(Number), renewed: expect.any(Number) })
    const versions = await (
      await api('/scoring/versions', p.readKey)
    ).json<{ versions: { version: string; source: string; current: boolean }[] }>()
    expect(versions.versions[0]).toMatchObject({ version: f.applied.version, source: 'calibrated', current: true })
    const row = await env.DB.prepare('SELECT model_version FROM account_scores WHERE project_id = ?1 LIMIT 1')
      .bind(p.id)
      .first('model_version')
    expect(row).toBe(f.applied.version)
  })

  it('states the band rule and predicted risk on an account, and its explanation still sums exactly', async () => {
    const red = f.current.find((r) => r.band === 'red')!
    const a = await (
      await api(`/health/accounts/${red.a.id}`, p.readKey)
    ).json<{
      score: number
      band: string
      predicted_risk: number
      band_rule: string
      churn_reasons: string[]
      explanation: { measures: { contribution: number; points_lost: number }[] }
    }>()
    expect(a.band_rule).toBe(f.calibration.proposed.band_rule)
    expect(a.predicted_risk).toBeGreaterThanOrEqual(f.calibration.proposed.risk.red_at)
    expect(a.churn_reasons[0]).toMatch(/^predicted churn risk \d+(\.\d)?% \(red from \d+(\.\d)?%\)$/)
    const sum = (k: 'contribution' | 'points_lost') => Math.round(a.explanation.measures.reduce((x, m) => x + m[k], 0) * 10) / 10
    expect(sum('contribution')).toBe(a.score)
    expect(sum('points_lost')).toBe(Math.round((100 - a.score) * 10) / 10)
  })

  it('calibrated AUC on the current cohort is at least the best single measure’s and within 0.1 of the oracle', () => {
    const calibrated = aucOf(f.current, (r) => r.score)
    const best = Math.max(...MEASURES.map((m) => aucOf(f.current, (r) => r.measures[m] ?? null)))
    const oracle = auc(
      f.current.map((r) => r.a.churnProbability),
      f.current.map((r) => r.a.churned),
    )!
    expect(calibrated).toBeGreaterThanOrEqual(best)
    expect(oracle - calibrated).toBeLessThan(0.1)
  })

  it('orders churn red > yellow > green in the served bands of the current cohort', () => {
    const rate = (b: string) => {
      const inBand = f.current.filter((r) => r.band === b)
      return inBand.filter((r) => r.a.churned).length / inBand.length
    }
    expect(rate('red')).toBeGreaterThan(rate('yellow'))
    expect(rate('yellow')).toBeGreaterThan(rate('green'))
  })

  it('the retained-vs-churned table labels planted features predictive and no noise feature', () => {
    const planted = new Set(sim.features.filter((x) => x.planted).map((x) => x.key))
    const flagged = f.labels.filter((l) => l.label === 'predictive' || l.label === 'highly predictive').map((l) => l.key)
    expect(flagged.filter((k) => planted.has(k)).length).toBeGreaterThanOrEqual(2)
    expect(flagged.filter((k) => !planted.has(k))).toEqual([])
  })
})
