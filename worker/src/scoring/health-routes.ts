import { Hono } from 'hono'
import { z } from 'zod'
import { listFeatures } from '../features'
import { accountUserScores, featureAdoption, findAccountScore, findUserScore, outcomeCohort, rankAccounts, scoreHistory, type ScoreRow } from './health-store'
import { loadScoringConfig } from './config-store'
import type { AppEnv } from '../http/env'
import { notFound } from '../http/errors'
import { daysAgo } from '../lib/days'
import { intParam, noQuery, validateQuery } from '../http/validate'
import { retentionReport } from '../renewals'
import { toCsv } from '../lib/csv'
import { featureStates } from './feature-states-store'

/** CS API: health scores with explanations, trends, flags, segments and the retained-vs-churned table. */
export const healthRoutes = new Hono<AppEnv>()

function summary(r: ScoreRow) {
  const explanation = JSON.parse(r.explanation_json)
  return {
    account_id: r.account_id,
    name: r.name,
    score: r.score,
    band: r.band,
    pending_band: r.pending_band,
    segment: r.segment,
    churn_risk: r.churn_risk === 1,
    churn_reasons: explanation.churn_reasons,
    delta30: r.delta30,
    trend: explanation.trend,
    top_risk: explanation.risk_drivers[0]?.sentence ?? null,
    flags: JSON.parse(r.flags_json),
    computed_at: new Date(r.computed_at).toISOString(),
  }
}

const rankQuery = {
  sort: z.enum(['risk', 'health']).default('risk'),
  band: z.enum(['red', 'yellow', 'green', 'insufficient_data']).optional(),
  segment: z.string().max(64).optional(),
  rule: z.string().max(64).optional(),
  churn_risk: z.enum(['true', 'false']).optional(),
  include_churned: z.enum(['true', 'false']).default('false'),
  limit: intParam(1, 1000).default(100),
}

healthRoutes.get('/accounts', validateQuery(rankQuery), async (c) => {
  const q = c.req.valid('query')
  const rows = await rankAccounts(c.env.DB, c.var.apiKey.projectId, {
    sort: q.sort, includeChurned: q.include_churned === 'true', band: q.band, segment: q.segment, churnRisk: q.churn_risk === undefined ? undefined : q.churn_risk === 'true', limit: q.rule ? 1000 : q.limit,
  })
  const items = rows.map(summary).filter((a) => !q.rule || a.flags.some((f: { key: string }) => f.key === q.rule)).slice(0, q.limit)
  return c.json({ sort: q.sort, items })
})

/** The same ranking as CSV, for spreadsheets and CRMs. */
healthRoutes.get('/accounts.csv', validateQuery({ ...rankQuery, limit: intParam(1, 1000).default(1000) }), async (c) => {
  const q = c.req.valid('query')
  const rows = await rankAccounts(c.env.DB, c.var.apiKey.projectId, {
    sort: q.sort, includeChurned: q.include_churned === 'true', band: q.band, segment: q.segment, churnRisk: q.churn_risk === undefined ? undefined : q.churn_risk === 'true', limit: 1000,
  })
  const items = rows.map(summary).filter((a) => !q.rule || a.flags.some((f: { key: string }) => f.key === q.rule)).slice(0, q.limit)
  const csv = toCsv(
    ['account_id', 'name', 'score', 'band', 'segment', 'churn_risk', 'delta30', 'top_risk', 'churn_reasons', 'flags', 'computed_at'],
    items.map((a) => [a.account_id, a.name, a.score, a.band, a.segment, a.churn_risk, a.delta30, a.top_risk, (a.churn_reasons ?? []).join('; '), a.flags.map((f: { key: string }) => f.key).join('; '), a.computed_at]),
  )
  return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="accounts-health.csv"' })
})

healthRoutes.get('/accounts/:accountId', noQuery, async (c) => {
  const { projectId } = c.var.apiKey
  const id = c.req.param('accountId')
  const row = await findAccountScore(c.env.DB, projectId, id)
  if (!row) throw notFound(`No score for account ${id} yet: it is computed by the daily run (POST /api/v1/scoring/run to run it now)`)
  const [history, users, features] = await Promise.all([
    scoreHistory(c.env.DB, projectId, id, daysAgo(Date.now(), 90)),
    accountUserScores(c.env.DB, projectId, id),
    featureStates(c.env.DB, projectId, id, Date.now()),
  ])
  const explanation = JSON.parse(row.explanation_json)
  return c.json({
    ...summary(row),
    profile: row.profile,
    model_version: row.model_version,
    data_fresh_until: row.data_fresh_until ? new Date(row.data_fresh_until).toISOString() : null,
    explanation: { measures: explanation.measures, risk_drivers: explanation.risk_drivers, health_drivers: explanation.health_drivers, present_weight_share: explanation.present_weight_share },
    pes: explanation.pes,
    metrics: explanation.metrics,
    app_version: explanation.app_version,
    history,
    users: users.map((u) => ({ user_id: u.user_id, score: u.score, profile: u.profile, measures: JSON.parse(u.measures_json) })),
    features,
  })
})

healthRoutes.get('/users/:userId', noQuery, async (c) => {
  const row = await findUserScore(c.env.DB, c.var.apiKey.projectId, c.req.param('userId'))
  if (!row) throw notFound(`No score for user ${c.req.param('userId')} yet`)
  return c.json({ user_id: row.user_id, account_id: row.account_id, score: row.score, profile: row.profile, measures: JSON.parse(row.measures_json), computed_at: new Date(row.computed_at).toISOString() })
})

healthRoutes.get('/features', noQuery, async (c) => {
  const rows = await featureAdoption(c.env.DB, c.var.apiKey.projectId, daysAgo(Date.now(), 29))
  return c.json({ window_days: 30, features: rows.map((r) => ({ ...r, core: r.core === 1 })) })
})

const retentionQuery = { days: intParam(1, 365).default(30), min_uses: intParam(1, 100).default(1) }

healthRoutes.get('/retention', validateQuery(retentionQuery), async (c) => {
  const { days, min_uses } = c.req.valid('query')
  const { projectId } = c.var.apiKey
  const [features, { config }, cohort] = await Promise.all([listFeatures(c.env.DB, projectId), loadScoringConfig(c.env.DB, projectId), outcomeCohort(c.env.DB, projectId, days)])
  const report = retentionReport(features, cohort.outcomes, cohort.uses, min_uses, config.minCellCount)
  return c.json({
    question: 'Which features predict renewal?',
    method: `X = used at least ${min_uses} time(s) in the account's first ${days} days; Y = latest outcome renewed/expanded/contracted vs churned; ${report.method}`,
    label_rule: report.label_rule,
    fdr: report.fdr,
    accounts_with_outcomes: cohort.outcomes.length,
    features: report.features,
    caveat: 'Correlation, not causation: confirm with nudge holdouts.',
  })
})

healthRoutes.get('/segments', noQuery, async (c) => {
  const [rows, { results: benchmarks }] = await Promise.all([
    rankAccounts(c.env.DB, c.var.apiKey.projectId, { sort: 'health', limit: 100_000 }),
    c.env.DB.prepare('SELECT segment, measure, n, p25, p50, p75, p90 FROM segment_benchmarks WHERE project_id = ?1').bind(c.var.apiKey.projectId)
      .all<{ segment: string; measure: string; n: number; p25: number | null; p50: number | null; p75: number | null; p90: number | null }>(),
  ])
  const bySegment = new Map<string, ScoreRow[]>()
  for (const r of rows) bySegment.set(r.segment ?? 'none', [...(bySegment.get(r.segment ?? 'none') ?? []), r])
  const mean = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null)
    return v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10 : null
  }
  return c.json({
    segments: [...bySegment].map(([segment, rs]) => {
      const pes = rs.map((r) => JSON.parse(r.explanation_json).pes as { adoption: number | null; stickiness: number | null; growth: number | null; pes: number | null })
      return {
        segment,
        accounts: rs.length,
        mean_score: mean(rs.map((r) => r.score)),
        bands: Object.fromEntries(['green', 'yellow', 'red', 'insufficient_data'].map((b) => [b, rs.filter((r) => r.band === b).length])),
        churn_risk: rs.filter((r) => r.churn_risk === 1).length,
        pes: { adoption: mean(pes.map((p) => p.adoption)), stickiness: mean(pes.map((p) => p.stickiness)), growth: mean(pes.map((p) => p.growth)), pes: mean(pes.map((p) => p.pes)) },
        // raw-value distribution per measure: segment-relative thresholds (percentiles apply from 20 accounts)
        benchmarks: Object.fromEntries(benchmarks.filter((b) => b.segment === segment).map(({ measure, n, p25, p50, p75, p90 }) => [measure, { n, p25, p50, p75, p90 }])),
      }
    }),
  })
})
