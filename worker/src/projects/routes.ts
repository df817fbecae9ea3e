import { Hono } from 'hono'
import { z } from 'zod'
import { KEY_PREFIX, newSecret, secretsEqual, type KeyKind } from './keys'
import { keyFromAuthorization } from '../http/auth'
import { createProject, projectExists } from './store'
import type { AppEnv } from '../http/env'
import { ApiError } from '../http/errors'
import { noQuery, validate } from '../http/validate'

/** Shorter operator secrets are treated as unset: this key creates projects on the whole deployment. */
export const MIN_OPERATOR_KEY_LENGTH = 24

/**
 * Operator API: creates a project and returns its three keys once. Authorised by the deployment's
 * `UPTAKE_OPERATOR_KEY` secret (`wrangler secret put UPTAKE_OPERATOR_KEY`), not by a project key;
 * without that secret the endpoint does not exist (404).
 */
export const projectRoutes = new Hono<AppEnv>()

const newProjectSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  id: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, '1-64 of a-z, 0-9 and -, not starting or ending with -').optional(),
})

/** The project id derived from its name, as scripts/create-project.mjs does. */
export const slugOf = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '')

projectRoutes.use('*', async (c, next) => {
  const expected = c.env.UPTAKE_OPERATOR_KEY
  if (!expected || expected.length < MIN_OPERATOR_KEY_LENGTH) {
    throw new ApiError(404, 'not_found', `No endpoint ${c.req.method} ${c.req.path}`)
  }
  const given = keyFromAuthorization(c.req.header('authorization'))
  if (!given || given.length > 500 || !(await secretsEqual(given, expected))) {
    throw new ApiError(401, 'unauthorized', 'Creating projects takes the deployment operator key (UPTAKE_OPERATOR_KEY) as Bearer')
  }
  await next()
})

projectRoutes.post('/', noQuery, validate('json', newProjectSchema), async (c) => {
  const body = c.req.valid('json')
  const id = body.id ?? slugOf(body.name)
  if (!id) throw new ApiError(400, 'invalid_request', 'The name has no letters or digits to make a project id from; give an id')
  if (await projectExists(c.env.DB, id)) throw new ApiError(409, 'project_exists', `A project ${id} already exists`)
  const kinds: KeyKind[] = ['write', 'read', 'admin']
  const secrets = kinds.map((kind) => ({ key: newSecret(kind), kind }))
  const now = Date.now()
  const rows = await createProject(c.env.DB, { id, name: body.name }, secrets, now).catch((err: Error) => {
    // two requests for the same id at once: the loser hits the primary key
    throw /UNIQUE|PRIMARY KEY/i.test(String(err?.message)) ? new ApiError(409, 'project_exists', `A project ${id} already exists`) : err
  })
  c.header('Cache-Control', 'no-store')
  return c.json(
    {
      project: { id, name: body.name, created_at: new Date(now).toISOString() },
      keys: rows.map((r, i) => ({ id: r.id, kind: r.kind, prefix: KEY_PREFIX[r.kind], label: r.label, last4: r.last4, secret: secrets[i].key })),
    },
    201,
  )
})
