import {
  accountIdParams,
  outcomeBodySchema,
  outcomeListSchema,
  outcomeParams,
  outcomeRecordedSchema,
  retentionReportSchema,
} from '../../../shared/api/renewals'
import { listFeatures } from '../features'
import { ApiError, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { pastDateProblem } from '../lib/days'
import { loadScoringConfig } from '../scoring'
import { retentionReport } from './retention-table'
import { projectState } from '../shards'
import { accountExists, deleteOutcome, listOutcomes, outcomeCohortOf, recordOutcome, type Outcome } from './store'

/**
 * Admin API: renewal outcomes of an account (mounted at /api/v1/accounts). One outcome per (account, kind, date):
 * posting it again answers 200 with the stored row instead of storing a second one.
 */
export const outcomeRoutes = createRouter()

/** CS API: which features predict renewal (mounted at /api/v1/health). */
export const retentionRoutes = createRouter()

const noQuery = querySchema({})

/** The one place a recorded outcome becomes the wire. */
const toWire = (o: Outcome) => ({ id: o.id, kind: o.kind, date: o.date, amount: o.amount, created_at: new Date(o.createdAt).toISOString() })

outcomeRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/outcomes',
    tags: ['renewals'],
    summary: 'Record a renewal outcome of an account',
    description:
      '`date` is a real calendar day from 2000-01-01 to today (today in UTC+14). One outcome per (account, kind, date): the same again answers 200 ' +
      'with the stored one (`created: false`); with another amount, 409 `outcome_conflict`. The latest outcome is the one with the latest date.',
    security: auth.admin,
    request: { params: accountIdParams, query: noQuery, body: jsonBody(outcomeBodySchema) },
    responses: {
      201: jsonResponse(outcomeRecordedSchema, 'Recorded'),
      200: jsonResponse(outcomeRecordedSchema, 'Already recorded: the stored outcome'),
      ...errorResponses(403, 404, 409),
    },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { id: accountId } = c.req.valid('param')
    const o = c.req.valid('json')
    const now = Date.now()
    const problem = pastDateProblem(o.date, now)
    if (problem) throw new ApiError(400, 'invalid_request', `date ${problem}`, [`date: ${problem}`])
    if (!(await accountExists(c.env.DB, projectId, accountId))) throw notFound(`No account ${accountId} in this project`)
    const { created, outcome } = await recordOutcome(c.env.DB, projectId, accountId, o, now)
    if (!created && outcome.amount !== (o.amount ?? null)) {
      throw new ApiError(
        409,
        'outcome_conflict',
        `A ${outcome.kind} outcome on ${outcome.date} is already recorded with amount ${outcome.amount}; DELETE /api/v1/accounts/${accountId}/outcomes/${outcome.id} first to correct it`,
        { existing: toWire(outcome) },
      )
    }
    const body = { account_id: accountId, outcome: toWire(outcome), created }
    return created ? c.json(body, 201) : c.json(body, 200)
  },
)

outcomeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{id}/outcomes',
    tags: ['renewals'],
    summary: 'Renewal outcomes of an account, oldest first',
    security: auth.read,
    request: { params: accountIdParams, query: noQuery },
    responses: { 200: jsonResponse(outcomeListSchema, 'The outcomes (none for an unknown account)'), ...errorResponses() },
  }),
  async (c) => {
    const outcomes = await listOutcomes(c.env.DB, c.var.apiKey.projectId, c.req.valid('param').id)
    return c.json({ outcomes: outcomes.map(toWire) }, 200)
  },
)

const outcomeId = intParam(1, Number.MAX_SAFE_INTEGER)

outcomeRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{id}/outcomes/{outcome_id}',
    tags: ['renewals'],
    summary: 'Remove a mistaken outcome',
    security: auth.admin,
    request: { params: outcomeParams, query: noQuery },
    responses: { 204: { description: 'Removed' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { id: accountId, outcome_id } = c.req.valid('param')
    // only a plain decimal id names an outcome: 0x10, 1e3 or 017 delete nothing
    const id = outcomeId.safeParse(outcome_id).data ?? 0
    if (!id || !(await deleteOutcome(c.env.DB, c.var.apiKey.projectId, accountId, id)))
      throw notFound(`No outcome ${outcome_id} for account ${accountId}`)
    return c.body(null, 204)
  },
)

retentionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/retention',
    tags: ['renewals'],
    summary: 'Which features predict renewal',
    description:
      "X = used at least `min_uses` times in the account's first `days` days; Y = latest outcome renewed/expanded/contracted vs churned. Per feature: 2x2 counts, " +
      "phi with 95% CI and Fisher's exact p, PPV, NPV, lift, coverage; beside them the association adjusted for overall activity (Mantel–Haenszel odds ratio across " +
      'activity quintiles, RBG CI, CMH p) and its Benjamini–Hochberg q-value. `label` is decided by that adjusted test at FDR 0.1 with the minimum-cell rule.',
    security: auth.read,
    request: { query: querySchema({ days: intParam(1, 365).default(30), min_uses: intParam(1, 100).default(1) }) },
    responses: { 200: jsonResponse(retentionReportSchema, 'The retained-vs-churned table'), ...errorResponses() },
  }),
  async (c) => {
    const { days, min_uses } = c.req.valid('query')
    const { projectId } = c.var.apiKey
    const [features, { config }, cohort] = await Promise.all([
      listFeatures(c.env.DB, projectId),
      loadScoringConfig(c.env.DB, projectId),
      projectState(c.env, projectId).then((state) => outcomeCohortOf(state, days)),
    ])
    const report = retentionReport(features, cohort.outcomes, cohort.uses, min_uses, config.min_cell_count)
    return c.json(
      {
        question: 'Which features predict renewal?',
        method: `X = used at least ${min_uses} time(s) in the account's first ${days} days; Y = latest outcome renewed/expanded/contracted vs churned; ${report.method}`,
        label_rule: report.label_rule,
        fdr: report.fdr,
        accounts_with_outcomes: cohort.outcomes.length,
        features: report.features,
        caveat: 'Correlation, not causation: confirm with nudge holdouts.',
      },
      200,
    )
  },
)
