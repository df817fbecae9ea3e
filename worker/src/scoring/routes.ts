import { Hono } from 'hono'
import { z } from 'zod'
import { scoringConfigSchema } from '../../../shared/scoring'
import { loadScoringConfig, saveScoringConfig } from './config-store'
import type { AppEnv } from '../http/env'
import { listJobRuns } from '../jobs'
import { ApiError, badRequest, validationError } from '../http/errors'
import { dayOf } from '../lib/days'
import { intParam, noQuery, validate, validateQuery } from '../http/validate'
import { DEFAULT_CONFIG } from './defaults'
import { scoringRun } from '../jobs'

/** Admin API: the scoring model (profiles, weights, anchors, bands, segments, rules) and an on-demand run. */
export const scoringAdminRoutes = new Hono<AppEnv>()

scoringAdminRoutes.get('/config', noQuery, async (c) => {
  const { version, config } = await loadScoringConfig(c.env.DB, c.var.apiKey.projectId)
  return c.json({ version, config, defaults: DEFAULT_CONFIG })
})

scoringAdminRoutes.put('/config', noQuery, validate('json', scoringConfigSchema), async (c) => {
  const version = await saveScoringConfig(c.env.DB, c.var.apiKey.projectId, c.req.valid('json'), Date.now())
  return c.json({ version, config: c.req.valid('json') })
})

const runBody = z.strictObject({ at: z.iso.datetime({ offset: true }).optional() })

/** An empty body means "now"; anything else must be JSON. */
function parseRunBody(text: string) {
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new ApiError(400, 'malformed_json', `Body is not valid JSON: ${(e as Error).message}`)
  }
}

/**
 * Scores now, or as of a past day (`at`, up to a year back) to backfill history in day order: a backfill
 * writes snapshots only (never the latest scores, alerts or webhooks). One run per project at a time:
 * 409 `run_in_progress` with Retry-After while another holds the project.
 */
scoringAdminRoutes.post('/run', noQuery, async (c) => {
  const parsed = runBody.safeParse(parseRunBody(await c.req.text()))
  if (!parsed.success) throw validationError(parsed.error)
  const now = Date.now()
  const at = parsed.data.at ? Date.parse(parsed.data.at) : now
  if (at > now || at < now - 365 * 86_400_000) throw badRequest('`at` must be within the last 365 days')
  const outcome = await scoringRun(c.env.DB, c.var.apiKey.projectId, at, dayOf(at) < dayOf(now) ? 'backfill' : 'manual')
  if (outcome.status === 'busy') {
    const message = `A scoring run of this project is in progress; retry in ${outcome.retryAfterSeconds} s`
    return c.json({ error: { code: 'run_in_progress', message } }, 409, { 'Retry-After': String(outcome.retryAfterSeconds) })
  }
  return c.json(outcome.summary)
})

const runsQuery = {
  status: z.enum(['running', 'ok', 'failed', 'skipped']).optional(),
  limit: intParam(1, 500).default(50),
}

/** Scoring runs of this project (daily, manual, backfill), newest first: a failed daily run shows here with its error. */
scoringAdminRoutes.get('/runs', validateQuery(runsQuery), async (c) => {
  const q = c.req.valid('query')
  const rows = await listJobRuns(c.env.DB, c.var.apiKey.projectId, q.status ?? null, q.limit)
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())
  return c.json({
    runs: rows.map((r) => ({
      id: r.id, kind: r.kind, status: r.status, as_of: r.as_of, started_at: iso(r.started_at), finished_at: iso(r.finished_at), error: r.error,
      summary: JSON.parse(r.summary_json),
    })),
  })
})
