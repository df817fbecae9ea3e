import { Hono } from 'hono'
import { scoringConfigSchema } from '../../../shared/scoring'
import { loadScoringConfig, saveScoringConfig } from '../db/scoring-config'
import type { AppEnv } from '../env'
import { validate } from '../lib/validate'
import { DEFAULT_CONFIG } from '../scoring/defaults'
import { runProjectScoring } from '../scoring/run'

/** Admin API: the scoring model (profiles, weights, anchors, bands, segments, rules) and an on-demand run. */
export const scoringAdminRoutes = new Hono<AppEnv>()

scoringAdminRoutes.get('/config', async (c) => {
  const { version, config } = await loadScoringConfig(c.env.DB, c.var.apiKey.projectId)
  return c.json({ version, config, defaults: DEFAULT_CONFIG })
})

scoringAdminRoutes.put('/config', validate('json', scoringConfigSchema), async (c) => {
  const version = await saveScoringConfig(c.env.DB, c.var.apiKey.projectId, c.req.valid('json'), Date.now())
  return c.json({ version, config: c.req.valid('json') })
})

scoringAdminRoutes.post('/run', async (c) => c.json(await runProjectScoring(c.env.DB, c.var.apiKey.projectId, Date.now())))
