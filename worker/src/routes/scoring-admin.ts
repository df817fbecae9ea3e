import { Hono } from 'hono'
import { z } from 'zod'
import { scoringConfigSchema } from '../../../shared/scoring'
import { loadScoringConfig, saveScoringConfig } from '../db/scoring-config'
import type { AppEnv } from '../env'
import { badRequest, validationError } from '../errors'
import { noQuery, validate } from '../lib/validate'
import { DEFAULT_CONFIG } from '../scoring/defaults'
import { runProjectScoring } from '../scoring/run'

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

/** Scores now, or as of a past moment (`at`, up to a year back) to backfill history in day order. */
scoringAdminRoutes.post('/run', noQuery, async (c) => {
  const parsed = runBody.safeParse(await c.req.json().catch(() => ({})))
  if (!parsed.success) throw validationError(parsed.error)
  const now = Date.now()
  const at = parsed.data.at ? Date.parse(parsed.data.at) : now
  if (at > now || at < now - 365 * 86_400_000) throw badRequest('`at` must be within the last 365 days')
  return c.json(await runProjectScoring(c.env.DB, c.var.apiKey.projectId, at))
})
