import { Hono } from 'hono'
import { projectSettingsSchema } from '../../../shared/config'
import { identitySecrets } from './identity-store'
import { loadProjectSettings, saveProjectSettings } from './settings-store'
import type { AppEnv } from '../http/env'
import { ApiError } from '../http/errors'
import { noQuery, validate } from '../http/validate'

/** Admin API: project settings (capture switches: consent, DNT/GPC, stripped query params, session timeout). */
export const settingsRoutes = new Hono<AppEnv>()

settingsRoutes.get('/', noQuery, async (c) => c.json({ settings: await loadProjectSettings(c.env.DB, c.var.apiKey.projectId) }))

settingsRoutes.put('/', noQuery, validate('json', projectSettingsSchema), async (c) => {
  const settings = c.req.valid('json')
  // required verification without a secret would silence every user's nudges
  if (settings.identity.verification === 'required' && !(await identitySecrets(c.env.DB, c.var.apiKey.projectId, Date.now())).length) {
    throw new ApiError(409, 'identity_secret_missing', 'Create the identity secret first: POST /api/v1/identity/secret')
  }
  await saveProjectSettings(c.env.DB, c.var.apiKey.projectId, settings)
  return c.json({ settings })
})
