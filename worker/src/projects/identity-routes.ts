import { identitySecretSchema, identityStatusSchema } from '../../../shared/api/projects'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { identitySecretStatus, rotateIdentitySecret } from './identity-store'
import { loadProjectSettings } from './settings-store'

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())

/**
 * Admin API: identity verification. `settings.identity.verification` turns it on; the secret that signs
 * user ids is created or rotated here and shown once (the previous one stays valid for a day).
 */
export const identityRoutes = createRouter()

const tags = ['projects']

const status = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'Identity verification: whether it is required, and when the secret was last rotated',
  security: auth.read,
  request: { query: querySchema({}) },
  responses: {
    200: jsonResponse(identityStatusSchema, 'The verification setting and the secret’s dates (never the secret)'),
    ...errorResponses(),
  },
})

identityRoutes.openapi(status, async (c) => {
  const { projectId } = c.var.apiKey
  const [settings, secret] = await Promise.all([
    loadProjectSettings(c.env.DB, projectId),
    identitySecretStatus(c.env.DB, projectId, Date.now()),
  ])
  return c.json(
    {
      verification: settings.identity.verification,
      secret: secret && { rotated_at: new Date(secret.rotatedAt).toISOString(), previous_valid_until: iso(secret.previousValidUntil) },
    },
    200,
  )
})

const rotate = createRoute({
  method: 'post',
  path: '/secret',
  tags,
  summary: 'Create or rotate the identity secret (shown once; the previous one verifies for a day more)',
  security: auth.admin,
  request: { query: querySchema({}) },
  responses: { 201: jsonResponse(identitySecretSchema, 'The new secret (Cache-Control: no-store)'), ...errorResponses(403) },
})

identityRoutes.openapi(rotate, async (c) => {
  const now = Date.now()
  const secret = await rotateIdentitySecret(c.env.DB, c.var.apiKey.projectId, now)
  c.header('Cache-Control', 'no-store')
  return c.json({ secret, rotated_at: new Date(now).toISOString(), note: 'Shown once: store it on your backend, never in the page.' }, 201)
})
