import { createdProjectSchema, newProjectBodySchema } from '../../../shared/api/projects'
import { keyFromAuthorization } from '../http/auth'
import { ApiError } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { KEY_PREFIX, newSecret, secretsEqual, type KeyKind } from './keys'
import { createProject, projectExists } from './store'

/** Shorter operator secrets are treated as unset: this key creates projects on the whole deployment. */
export const MIN_OPERATOR_KEY_LENGTH = 24

/**
 * Operator API: creates a project and returns its three keys once. Authorised by the deployment's
 * `UPTAKE_OPERATOR_KEY` secret (`wrangler secret put UPTAKE_OPERATOR_KEY`), not by a project key;
 * without that secret the endpoint does not exist (404).
 */
export const projectRoutes = createRouter()

/** The project id derived from its name, as scripts/create-project.mjs does. */
export const slugOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '')

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

const create = createRoute({
  method: 'post',
  path: '/',
  tags: ['projects'],
  summary: 'Create a project with a write, a read and an admin key (secrets shown once)',
  description:
    'Takes the deployment operator key; 404 when the deployment has none (`UPTAKE_OPERATOR_KEY` unset). `state_shards` (default 1) is fixed for the life of the project.',
  security: auth.operator,
  request: { query: querySchema({}), body: jsonBody(newProjectBodySchema) },
  responses: {
    201: jsonResponse(createdProjectSchema, 'The project and its keys (Cache-Control: no-store)'),
    ...errorResponses(400, 404, 409, 415),
  },
})

projectRoutes.openapi(create, async (c) => {
  const body = c.req.valid('json')
  const id = body.id ?? slugOf(body.name)
  if (!id) throw new ApiError(400, 'invalid_request', 'The name has no letters or digits to make a project id from; give an id')
  const stateShards = body.state_shards ?? 1
  // a sharded project with nowhere to keep its shards would fail every write: refused before it exists
  if (stateShards > 1 && !c.env.ACCOUNT_SHARDS)
    throw new ApiError(
      400,
      'invalid_request',
      'state_shards > 1 needs the ACCOUNT_SHARDS Durable Object binding, which this deployment lacks',
    )
  if (await projectExists(c.env.DB, id)) throw new ApiError(409, 'project_exists', `A project ${id} already exists`)
  const kinds: KeyKind[] = ['write', 'read', 'admin']
  const secrets = kinds.map((kind) => ({ key: newSecret(kind), kind }))
  const now = Date.now()
  const keys = await createProject(c.env.DB, { id, name: body.name, stateShards }, secrets, now).catch((err: Error) => {
    // two requests for the same id at once: the loser hits the primary key
    throw /UNIQUE|PRIMARY KEY/i.test(String(err?.message)) ? new ApiError(409, 'project_exists', `A project ${id} already exists`) : err
  })
  c.header('Cache-Control', 'no-store')
  return c.json(
    {
      project: { id, name: body.name, created_at: new Date(now).toISOString(), state_shards: stateShards },
      keys: keys.map((k, i) => ({
        id: k.id,
        kind: k.kind,
        prefix: KEY_PREFIX[k.kind],
        label: k.label,
        last4: k.last4,
        secret: secrets[i].key,
      })),
    },
    201,
  )
})
