import type { Context } from 'hono'
import {
  ACCOUNT_CSV_COLUMNS,
  accountHealthDetailSchema,
  accountIdParams,
  accountRankingSchema,
  featureAdoptionListSchema,
  rankingQueryShape,
  segmentSummaryListSchema,
  userHealthSchema,
  userIdParams,
  type AccountHealthSummary,
  type Pes,
} from '../../../shared/api/scoring'
import { ADOPTION, BANDS } from '../../../shared/constants'
import type { AppEnv } from '../http/env'
import { notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema, z } from '../http/openapi'
import { intParam } from '../http/validate'
import { toCsv } from '../lib/csv'
import { daysAgo } from '../lib/days'
import { round1 } from '../lib/round'
import { accountFeatureStates } from './feature-states'
import { accountFeatureUses } from './feature-states-store'
import {
  accountUserScores,
  featureAdoption,
  findAccountScore,
  findUserScore,
  listSegmentBenchmarks,
  rankAccounts,
  scoreHistory,
  type AccountScore,
} from './scores-store'

/** CS API: health scores with explanations, trends, flags and segments. Mounted at /api/v1/health. */
export const healthRoutes = createRouter()

const tags = ['health']
const noQuery = querySchema({})
const iso = (t: number) => new Date(t).toISOString()

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

const rankingQuery = (defaultLimit: number) => querySchema({ ...rankingQueryShape, limit: intParam(1, 1000).default(defaultLimit) })
type RankingQuery = z.output<ReturnType<typeof rankingQuery>>

/** The one ranking: the JSON list and the CSV export are the same rows for the same query. */
async function ranking(c: Context<AppEnv>, q: RankingQuery): Promise<AccountHealthSummary[]> {
  const rows = await rankAccounts(c.env.DB, c.var.apiKey.projectId, {
    sort: q.sort,
    band: q.band,
    segment: q.segment,
    rule: q.rule,
    churnRisk: q.churn_risk === undefined ? undefined : q.churn_risk === 'true',
    includeChurned: q.include_churned === 'true',
    limit: q.limit,
  })
  return rows.map(toSummary)
}

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/accounts',
    tags,
    summary: 'Accounts ranked by churn risk or by health',
    description:
      'With band, Δ30, top risk driver and fired rules. Accounts whose latest outcome is a churn are left out unless `include_churned=true`.',
    security: auth.read,
    request: { query: rankingQuery(100) },
    responses: { 200: jsonResponse(accountRankingSchema, 'The ranking'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    return c.json({ sort: q.sort, items: await ranking(c, q) }, 200)
  },
)

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/accounts.csv',
    tags,
    summary: 'The same ranking as CSV, for spreadsheets and CRMs',
    description:
      'Same parameters and rows as `GET /health/accounts` (`limit` defaults to 1000). Cells are safe to open in a spreadsheet: nothing runs as a formula.',
    security: auth.read,
    request: { query: rankingQuery(1000) },
    responses: {
      200: { description: 'One row per account, header first', content: { 'text/csv': { schema: z.string() } } },
      ...errorResponses(),
    },
  }),
  async (c) => {
    const items = await ranking(c, c.req.valid('query'))
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
    const [history, users, uses] = await Promise.all([
      scoreHistory(c.env.DB, projectId, id, daysAgo(now, 90)),
      accountUserScores(c.env.DB, projectId, id),
      accountFeatureUses(c.env.DB, projectId, id, now),
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
    const u = await findUserScore(c.env.DB, c.var.apiKey.projectId, id)
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
    const rows = await featureAdoption(c.env.DB, c.var.apiKey.projectId, daysAgo(Date.now(), ADOPTION.windowDays - 1))
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
