import type { Context } from 'hono'
import {
  ACCOUNT_CSV_COLUMNS,
  accountHealthDetailSchema,
  accountIdParams,
  accountRankingSchema,
  featureAdoptionListSchema,
  indicatorSummaryListSchema,
  moversQueryShape,
  portfolioQueryShape,
  rankingQueryShape,
  scoreMoversSchema,
  segmentSummaryListSchema,
  sparklineQueryShape,
  SPARKLINE_DAYS,
  userHealthSchema,
  userIdParams,
  type AccountHealthSummary,
  type AccountPortfolioItem,
  type Pes,
} from '../../../shared/api/scoring'
import { ADOPTION, BANDS } from '../../../shared/constants'
import type { AppEnv } from '../http/env'
import { badRequest, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema, z } from '../http/openapi'
import { intParam } from '../http/validate'
import { toCsv } from '../lib/csv'
import { DAY_MS, dayOf, daysAgo } from '../lib/days'
import { round1 } from '../lib/round'
import { dateAttr, numberAttr, stringAttr } from './attributes'
import { accountFeatureStates } from './feature-states'
import { accountFeatureUses } from './feature-states-store'
import {
  accountUserScores,
  featureAdoption,
  findAccountScore,
  findUserScore,
  listSegmentBenchmarks,
  rankAccounts,
  rankPortfolio,
  scoreHistory,
  ruleCounts,
  scoreMoves,
  scoreSeries,
  type AccountScore,
  type OwnerFilter,
} from './scores-store'
import { loadScoringConfig } from './config-store'
import { moverReason } from './movers'
import { dailySeries } from './portfolio'
import { describeRule } from './rule-text'
import { directoryAccounts, projectState } from '../shards'

/** CS API: health scores with explanations, trends, flags and segments. Mounted at /api/v1/health. */
export const healthRoutes = createRouter()

const tags = ['health']
const noQuery = querySchema({})
const iso = (t: number) => new Date(t).toISOString()
const addDays = (day: string, n: number) => dayOf(Date.parse(day) + n * DAY_MS)

/** The one place a stored score becomes the wire's ranking row. */
function toSummary(a: AccountScore): AccountHealthSummary {
  return {
    account_id: a.accountId,
    name: a.name,
    score: a.score,
    band: a.band,
    pending_band: a.pendingBand,
    segment: a.segment,
    churn_risk: a.churnRisk,
    churn_reasons: a.explanation?.churn_reasons ?? null,
    delta30: a.delta30,
    trend: a.explanation?.trend ?? null,
    top_risk: a.explanation?.risk_drivers[0]?.sentence ?? null,
    flags: a.flags,
    computed_at: iso(a.computedAt),
  }
}

const rankingQuery = (defaultLimit: number) =>
  querySchema({ ...rankingQueryShape, ...portfolioQueryShape, limit: intParam(1, 1000).default(defaultLimit) })
const portfolioQuery = querySchema({
  ...rankingQueryShape,
  ...portfolioQueryShape,
  ...sparklineQueryShape,
  limit: intParam(1, 1000).default(100),
})
type RankingQuery = z.output<ReturnType<typeof rankingQuery>>

/** `owner=me` is the signed-in key's member; `none`, accounts with no owner; anything else names a member by id or email. */
function ownerFilter(c: Context<AppEnv>, owner: string | undefined): OwnerFilter | undefined {
  if (owner === undefined) return undefined
  if (owner === 'none') return { none: true }
  if (owner !== 'me') return { member: owner }
  const { memberId } = c.var.apiKey
  if (!memberId) throw badRequest('owner=me needs a key that belongs to a team member (POST /api/v1/members/{id}/keys)')
  return { member: memberId }
}

/** The one ranking: the JSON list and the CSV export are the same rows for the same query. */
async function ranking(c: Context<AppEnv>, q: RankingQuery) {
  const state = await projectState(c.env, c.var.apiKey.projectId)
  const rows = await rankPortfolio(
    c.env.DB,
    c.var.apiKey.projectId,
    {
      sort: q.sort,
      band: q.band,
      segment: q.segment,
      rule: q.rule,
      churnRisk: q.churn_risk === undefined ? undefined : q.churn_risk === 'true',
      includeChurned: q.include_churned === 'true',
      limit: q.limit,
      owner: ownerFilter(c, q.owner),
    },
    Date.now(),
    state,
  )
  // the latest run day of the page: sparklines end on it, so a run not yet made today leaves no gap
  const lastDay = rows.reduce((d, a) => (a.day > d ? a.day : d), '')
  const items = rows.map((a): AccountPortfolioItem => ({
    ...toSummary(a),
    owner: stringAttr(a.attributes, 'owner'),
    arr: numberAttr(a.attributes, 'arr'),
    renewal_date: dateAttr(a.attributes, 'renewal_date'),
    last_active: a.lastActive,
    open_alerts: a.openAlerts,
  }))
  return { items, lastDay }
}

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/accounts',
    tags,
    summary: 'Accounts ranked by churn risk or by health: the portfolio',
    description:
      'With band, Δ30, top risk driver, fired rules, owner, ARR, renewal date, last active day and open alerts; `sparkline=true` adds 90 daily scores. ' +
      'Accounts whose latest outcome is a churn are left out unless `include_churned=true`.',
    security: auth.read,
    request: { query: portfolioQuery },
    responses: { 200: jsonResponse(accountRankingSchema, 'The ranking'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const { items, lastDay } = await ranking(c, q)
    if (q.sparkline === 'true' && items.length) {
      // one query for the whole page, not one per account
      const ids = items.map((a) => a.account_id)
      const points = await scoreSeries(c.env.DB, c.var.apiKey.projectId, ids, addDays(lastDay, 1 - SPARKLINE_DAYS))
      const series = dailySeries(ids, points, lastDay, SPARKLINE_DAYS)
      for (const a of items) a.history_90d = series.get(a.account_id)
    }
    return c.json({ sort: q.sort, items }, 200)
  },
)

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/accounts.csv',
    tags,
    summary: 'The same ranking as CSV, for spreadsheets and CRMs',
    description:
      'Same parameters and rows as `GET /health/accounts` (`limit` defaults to 1000; no sparkline). Cells are safe to open in a spreadsheet: nothing runs as a formula.',
    security: auth.read,
    request: { query: rankingQuery(1000) },
    responses: {
      200: { description: 'One row per account, header first', content: { 'text/csv': { schema: z.string() } } },
      ...errorResponses(),
    },
  }),
  async (c) => {
    const { items } = await ranking(c, c.req.valid('query'))
    const csv = toCsv(
      [...ACCOUNT_CSV_COLUMNS],
      items.map((a) => [
        a.account_id,
        a.name,
        a.score,
        a.band,
        a.segment,
        a.churn_risk,
        a.delta30,
        a.top_risk,
        (a.churn_reasons ?? []).join('; '),
        a.flags.map((f) => f.key).join('; '),
        a.computed_at,
        a.owner,
        a.arr,
        a.renewal_date,
        a.last_active,
        a.open_alerts,
      ]),
    )
    return c.body(csv, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="accounts-health.csv"',
    })
  },
)

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/accounts/{id}',
    tags,
    summary: "One account's health, explained",
    description:
      'Score, band, the full explanation (per measure raw value, unit, window, score, weight, contribution, points lost), risk and health drivers as sentences, ' +
      'trend, 90-day history, user scores, per-feature state, PES and usage metrics; `predicted_risk` and `band_rule` state what the band means.',
    security: auth.read,
    request: { params: accountIdParams, query: noQuery },
    responses: { 200: jsonResponse(accountHealthDetailSchema, 'The account'), ...errorResponses(404) },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { id } = c.req.valid('param')
    const now = Date.now()
    const score = await findAccountScore(c.env.DB, projectId, id)
    if (!score) throw notFound(`No score for account ${id} yet: it is computed by the daily run (POST /api/v1/scoring/run to run it now)`)
    const state = await projectState(c.env, projectId)
    const [history, users, uses] = await Promise.all([
      scoreHistory(c.env.DB, projectId, id, daysAgo(now, 90)),
      // user scores and feature days are user grain: the account's shard when the project is sharded
      accountUserScores(state.forAccount(id), projectId, id),
      accountFeatureUses(c.env.DB, projectId, id, now, state),
    ])
    const x = score.explanation
    return c.json(
      {
        ...toSummary(score),
        profile: score.profile,
        model_version: score.modelVersion,
        data_fresh_until: score.dataFreshUntil ? iso(score.dataFreshUntil) : null,
        explanation: x && {
          measures: x.measures,
          risk_drivers: x.risk_drivers,
          health_drivers: x.health_drivers,
          present_weight_share: x.present_weight_share,
        },
        pes: x?.pes ?? null,
        metrics: x?.metrics ?? null,
        app_version: x?.app_version ?? null,
        predicted_risk: x?.predicted_risk ?? null,
        band_rule: x?.band_rule ?? null,
        history: history.map((h) => ({ day: h.day, model_version: h.modelVersion, score: h.score, band: h.band, segment: h.segment })),
        users: users.map((u) => ({ user_id: u.userId, score: u.score, profile: u.profile, measures: u.measures })),
        features: accountFeatureStates(uses.uses, uses.accountFirstDay).map((f) => ({
          key: f.key,
          name: f.name,
          core: f.core,
          state: f.state,
          uses: f.uses,
          users_30d: f.usersInWindow,
          first_used: f.firstUsed,
          last_used: f.lastUsed,
          days_to_first_use: f.daysToFirstUse,
        })),
      },
      200,
    )
  },
)

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/users/{id}',
    tags,
    summary: "One user's adoption score",
    description: 'Frequency, breadth, value, recency and momentum, each with its contribution.',
    security: auth.read,
    request: { params: userIdParams, query: noQuery },
    responses: { 200: jsonResponse(userHealthSchema, 'The user'), ...errorResponses(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const { projectId } = c.var.apiKey
    const state = await projectState(c.env, projectId)
    // a sharded project's user is found through the directory (where their state lives); unknown there: never written
    const home = state.sharded ? await directoryAccounts(c.env.DB, projectId, [id]) : null
    const db = !home ? c.env.DB : home.has(id) ? state.forUser(home.get(id), id) : null
    const u = db && (await findUserScore(db, projectId, id))
    if (!u) throw notFound(`No score for user ${id} yet`)
    return c.json(
      {
        user_id: u.userId,
        account_id: u.accountId,
        score: u.score,
        profile: u.profile,
        measures: u.measures,
        computed_at: iso(u.computedAt),
      },
      200,
    )
  },
)

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/features',
    tags,
    summary: 'Adoption of each feature across accounts (30 days)',
    security: auth.read,
    request: { query: noQuery },
    responses: { 200: jsonResponse(featureAdoptionListSchema, 'Features by accounts using them'), ...errorResponses() },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const rows = await featureAdoption(
      c.env.DB,
      projectId,
      daysAgo(Date.now(), ADOPTION.windowDays - 1),
      await projectState(c.env, projectId),
    )
    return c.json(
      {
        window_days: ADOPTION.windowDays,
        features: rows.map((f) => ({
          key: f.key,
          name: f.name,
          kind: f.kind,
          core: f.core,
          accounts_30d: f.accounts30d,
          users_30d: f.users30d,
          uses_30d: f.uses30d,
        })),
      },
      200,
    )
  },
)

/** Mean to 0.1 of the values present; null when none is. */
const mean = (xs: (number | null | undefined)[]) => {
  const v = xs.filter((x): x is number => typeof x === 'number')
  return v.length ? round1(v.reduce((a, b) => a + b, 0) / v.length) : null
}

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/segments',
    tags,
    summary: 'Per segment: accounts, mean score, bands, churn risks, PES and benchmarks',
    description:
      'Benchmarks are the raw-value distribution (p25–p90) of each measure; segment-relative percentiles apply from 20 scored accounts.',
    security: auth.read,
    request: { query: noQuery },
    responses: { 200: jsonResponse(segmentSummaryListSchema, 'One entry per segment with scored accounts'), ...errorResponses() },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const [rows, benchmarks] = await Promise.all([
      rankAccounts(c.env.DB, projectId, { sort: 'health', limit: 100_000 }),
      listSegmentBenchmarks(c.env.DB, projectId),
    ])
    const bySegment = new Map<string, AccountScore[]>()
    for (const r of rows) bySegment.set(r.segment ?? 'none', [...(bySegment.get(r.segment ?? 'none') ?? []), r])
    return c.json(
      {
        segments: [...bySegment].map(([segment, rs]) => {
          const pes = rs.map((r) => r.explanation?.pes).filter((p): p is Pes => p !== undefined)
          return {
            segment,
            accounts: rs.length,
            mean_score: mean(rs.map((r) => r.score)),
            bands: Object.fromEntries(BANDS.map((b) => [b, rs.filter((r) => r.band === b).length])) as Record<
              (typeof BANDS)[number],
              number
            >,
            churn_risk: rs.filter((r) => r.churnRisk).length,
            pes: {
              adoption: mean(pes.map((p) => p.adoption)),
              stickiness: mean(pes.map((p) => p.stickiness)),
              growth: mean(pes.map((p) => p.growth)),
              pes: mean(pes.map((p) => p.pes)),
            },
            benchmarks: Object.fromEntries(
              benchmarks
                .filter((b) => b.segment === segment)
                .map(({ measure, n, p25, p50, p75, p90 }) => [measure, { n, p25, p50, p75, p90 }]),
            ),
          }
        }),
      },
      200,
    )
  },
)

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/movers',
    tags,
    summary: 'Accounts whose score moved most in 7 or 30 days, and why',
    description:
      'Largest absolute change first, against the daily snapshot `days` before the latest score (or the latest up to 3 days earlier). ' +
      '`reason` names the measures whose points moved most in that direction. Churned accounts are left out.',
    security: auth.read,
    request: { query: querySchema({ ...moversQueryShape, limit: intParam(1, 100).default(10) }) },
    responses: { 200: jsonResponse(scoreMoversSchema, 'The movers'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const days = Number(q.days)
    const moves = await scoreMoves(c.env.DB, c.var.apiKey.projectId, days, q.limit)
    return c.json(
      {
        days,
        items: moves.map((m) => {
          const delta = round1(m.score - m.previousScore)
          return {
            account_id: m.accountId,
            name: m.name,
            score: m.score,
            previous_score: m.previousScore,
            previous_day: m.previousDay,
            delta,
            band: m.band,
            previous_band: m.previousBand,
            reason: moverReason(delta, days, m.explanation?.measures ?? [], m.previousMeasures),
          }
        }),
      },
      200,
    )
  },
)

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/indicators',
    tags,
    summary: 'The leading-indicator rules of the current model and how many accounts each flags',
    description: "Each rule of the project's scoring config in words, with the accounts it fired for on their latest score.",
    security: auth.read,
    request: { query: noQuery },
    responses: { 200: jsonResponse(indicatorSummaryListSchema, 'The rules'), ...errorResponses() },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const [{ version, config }, counts] = await Promise.all([loadScoringConfig(c.env.DB, projectId), ruleCounts(c.env.DB, projectId)])
    return c.json(
      {
        model_version: version,
        scored_accounts: counts.scored,
        rules: config.rules.map((r) => ({
          key: r.key,
          name: r.name,
          kind: r.kind,
          critical: r.critical,
          segment: r.segment ?? null,
          description: describeRule(r),
          accounts: counts.byRule.get(r.key) ?? 0,
        })),
      },
      200,
    )
  },
)
