import { Hono } from 'hono'
import { projectSettingsSchema } from '../../../shared/config'
import { loadProjectSettings, saveProjectSettings } from '../db/settings'
import type { AppEnv } from '../env'
import { noQuery, validate } from '../lib/validate'

/** Admin API: project settings (capture switches: consent, DNT/GPC, stripped query params, session timeout). */
export const settingsRoutes = new Hono<AppEnv>()

settingsRoutes.get('/', noQuery, async (c) => c.json({ settings: await loadProjectSettings(c.env.DB, c.var.apiKey.projectId) }))

settingsRoutes.put('/', noQuery, validate('json', projectSettingsSchema), async (c) => {
  const settings = c.req.valid('json')
  await saveProjectSettings(c.env.DB, c.var.apiKey.projectId, settings)
  return c.json({ settings })
})
