import { Hono } from 'hono'
import { identitySecretStatus, rotateIdentitySecret } from './identity-store'
import { loadProjectSettings } from './settings-store'
import type { AppEnv } from '../http/env'
import { noQuery } from '../http/validate'

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())

/**
 * Admin API: identity verification. `settings.identity.verification` turns it on; the secret that signs
 * user ids is created or rotated here and shown once (the previous one stays valid for a day).
 */
export const identityRoutes = new Hono<AppEnv>()

identityRoutes.get('/', noQuery, async (c) => {
  const { projectId } = c.var.apiKey
  const now = Date.now()
  const [settings, secret] = await Promise.all([loadProjectSettings(c.env.DB, projectId), identitySecretStatus(c.env.DB, projectId, now)])
  return c.json({
    verification: settings.identity.verification,
    secret: secret ? { rotated_at: iso(secret.rotated_at), previous_valid_until: iso(secret.previous_valid_until) } : null,
  })
})

identityRoutes.post('/secret', noQuery, async (c) => {
  const now = Date.now()
  const secret = await rotateIdentitySecret(c.env.DB, c.var.apiKey.projectId, now)
  c.header('Cache-Control', 'no-store')
  return c.json({ secret, rotated_at: iso(now), note: 'Shown once: store it on your backend, never in the page.' }, 201)
})
