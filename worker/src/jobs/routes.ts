import { createMiddleware } from 'hono/factory'
import { RUN_STATUSES, scoringRunBodySchema, scoringRunListSchema, scoringRunSummarySchema } from '../../../shared/api/scoring'
import type { AppEnv } from '../http/env'
import { ApiError, badRequest } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema, z } from '../http/openapi'
import { intParam } from '../http/validate'
import { DAY_MS, dayOf } from '../lib/days'
import { scoringRun } from './daily-run'
import { listJobRuns, type JobRun } from './runs-store'

/** Admin API: an on-demand or backfill scoring run, and the record of every run. Mounted at /api/v1/scoring. */
export const jobRoutes = createRouter()

const tags = ['scoring']

/** How far back a backfill may go. */
export const MAX_BACKFILL_DAYS = 365

/** An empty body means "now"; any other body must be JSON (400 `malformed_json` otherwise), checked before the schema. */
const emptyBodyMeansNow = createMiddleware<AppEnv>(async (c, next) => {
  const text = await c.req.text()
  if (/^application\/([\w.-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
    // hono parses the cached text: an empty body reads as `{}`
    if (text.trim() === '') (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve('{}')
    else {
      try {
        JSON.parse(text)
      } catch (e) {
        throw new ApiError(400, 'malformed_json', `Body is not valid JSON: ${(e as Error).message}`)
      }
    }
  }
  await next()
})

const queuedRunSchema = z
  .object({
    run_id: z.number().int().openapi({ description: 'The run at GET /api/v1/scoring/runs: `running` until its last shard is done' }),
    status: z.literal('running'),
    shards: z.number().int(),
  })
  .openapi('QueuedScoringRun')

jobRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/run',
    tags,
    summary: 'Score the project now, or backfill one past day',
    description:
      "Scores now, or as of a past day (`at`, up to 365 days back) to backfill history in day order: a backfill writes that day's snapshot only, " +
      'never the latest scores, alerts or webhooks. An empty body means now. One run per project at a time: 409 `run_in_progress` with `Retry-After`. ' +
      'A live run of a project over 5,000 accounts is queued per account shard when the scoring queue is bound: 202 with the run id to follow.',
    security: auth.admin,
    middleware: [emptyBodyMeansNow] as const,
    request: { query: querySchema({}), body: jsonBody(scoringRunBodySchema, 'Optional: `{}` or an empty body scores now') },
    responses: {
      200: jsonResponse(scoringRunSummarySchema, 'What the run scored'),
      202: jsonResponse(queuedRunSchema, 'A large project: the run was queued, fanned out per account shard'),
      ...errorResponses(403, 409, 415),
    },
  }),
  async (c) => {
    const { at: when } = c.req.valid('json')
    const now = Date.now()
    const at = when ? Date.parse(when) : now
    if (at > now || at < now - MAX_BACKFILL_DAYS * DAY_MS) throw badRequest(`\`at\` must be within the last ${MAX_BACKFILL_DAYS} days`)
    const kind = dayOf(at) < dayOf(now) ? 'backfill' : 'manual'
    const outcome = await scoringRun(c.env, c.var.apiKey.projectId, at, kind, c.env.SCORING_QUEUE)
    if (outcome.status === 'busy') {
      c.header('Retry-After', String(outcome.retryAfterSeconds))
      throw new ApiError(409, 'run_in_progress', `A scoring run of this project is in progress; retry in ${outcome.retryAfterSeconds} s`)
    }
    if (outcome.status === 'queued') return c.json({ run_id: outcome.runId, status: 'running' as const, shards: outcome.shards }, 202)
    return c.json(outcome.summary, 200)
  },
)

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())

/** The one place a recorded run becomes the wire. */
const toWire = (r: JobRun) => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  as_of: r.asOf,
  started_at: new Date(r.startedAt).toISOString(),
  finished_at: iso(r.finishedAt),
  error: r.error,
  summary: r.summary ?? {},
})

jobRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/runs',
    tags,
    summary: 'Scoring runs of this project, newest first',
    description:
      'Daily, manual and backfill runs with their status, error and summary, kept 90 days: a failed daily run shows here with its error.',
    security: auth.read,
    request: { query: querySchema({ status: z.enum(RUN_STATUSES).optional(), limit: intParam(1, 500).default(50) }) },
    responses: { 200: jsonResponse(scoringRunListSchema, 'The runs'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const runs = await listJobRuns(c.env.DB, c.var.apiKey.projectId, q.status ?? null, q.limit)
    return c.json({ runs: runs.map(toWire) }, 200)
  },
)
