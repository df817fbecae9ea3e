import {
  anyNudgeKeyParams,
  missingAnchorListSchema,
  nudgeDefinitionBodySchema,
  nudgeEnvelopeSchema,
  nudgeKeyParams,
  nudgeListSchema,
  nudgePerformanceSchema,
} from '../../../shared/api/nudges'
import { authorOfKey, versionStatements } from '../authoring'
import { listFeatures, parseSelector } from '../features'
import { badRequest, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { snakeKeys } from '../lib/casing'
import { projectState } from '../shards'
import { nudgeResource, toNudge, unreachable } from './definition'
import { nudgePerformance } from './performance'
import { exposureGroups, missingAnchors, stepCounts } from './performance-store'
import { deleteNudge, findNudge, listNudges, upsertNudge } from './store'

/** Admin API: nudge definitions; CS API: their performance with lift over holdout, and broken anchors. */
export const nudgeRoutes = createRouter()

const tags = ['nudges']
const noQuery = querySchema({})
const CONVERSION =
  'conversion = target feature used (or, for a tour, the tour completed) within N days of first being shown (holdout: of first being eligible); lift = conversion(shown) − conversion(holdout)'

nudgeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags,
    summary: 'List the nudge definitions, by key',
    security: auth.read,
    request: { query: noQuery },
    responses: { 200: jsonResponse(nudgeListSchema, 'Every nudge of the project'), ...errorResponses() },
  }),
  async (c) => c.json({ nudges: (await listNudges(c.env.DB, c.var.apiKey.projectId)).map(nudgeResource) }, 200),
)

// before /{key}: "anchors" is not a nudge
nudgeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/anchors',
    tags,
    summary: 'Anchors the widget reported missing on a page (the 200 most recent)',
    security: auth.read,
    request: { query: noQuery },
    responses: { 200: jsonResponse(missingAnchorListSchema, 'Missing anchors, most recent first'), ...errorResponses() },
  }),
  async (c) => {
    const anchors = await missingAnchors(c.env.DB, c.var.apiKey.projectId)
    return c.json(
      { missing_anchors: anchors.map((a) => ({ ...snakeKeys(a), last_reported_at: new Date(a.lastReportedAt).toISOString() })) },
      200,
    )
  },
)

nudgeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{key}',
    tags,
    summary: 'One nudge definition',
    security: auth.read,
    request: { params: anyNudgeKeyParams, query: noQuery },
    responses: { 200: jsonResponse(nudgeEnvelopeSchema, 'The nudge'), ...errorResponses(404) },
  }),
  async (c) => {
    const { key } = c.req.valid('param')
    const n = await findNudge(c.env.DB, c.var.apiKey.projectId, key)
    if (!n) throw notFound(`No nudge ${key}`)
    return c.json({ nudge: nudgeResource(n) }, 200)
  },
)

nudgeRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/{key}',
    tags,
    summary: 'Create or replace a nudge; one that could never show (unknown feature, selector Uptake cannot check) is refused',
    security: auth.admin,
    request: { params: nudgeKeyParams, query: noQuery, body: jsonBody(nudgeDefinitionBodySchema) },
    responses: {
      200: jsonResponse(nudgeEnvelopeSchema, 'Replaced'),
      201: jsonResponse(nudgeEnvelopeSchema, 'Created'),
      ...errorResponses(403),
    },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { key } = c.req.valid('param')
    const definition = c.req.valid('json')
    const features = new Set((await listFeatures(c.env.DB, projectId)).map((f) => f.key))
    const problems = unreachable(definition, features, (s) => parseSelector(s) !== null)
    if (problems.length) throw badRequest('This nudge could never show', problems)
    const nudge = toNudge(key, definition)
    const created = await upsertNudge(c.env.DB, projectId, nudge, Date.now())
    // published at once, as before drafts existed, and kept in the nudge's history under the key's author
    const { key: _key, ...published } = nudgeResource(nudge)
    const author = (await authorOfKey(c.env.DB, c.var.apiKey)).name
    await c.env.DB.batch(
      versionStatements(c.env.DB, projectId, 'nudge', key, { action: 'publish', definition: published, author, now: Date.now() }),
    )
    return created ? c.json({ nudge: nudgeResource(nudge) }, 201) : c.json({ nudge: nudgeResource(nudge) }, 200)
  },
)

nudgeRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{key}',
    tags,
    summary: 'Delete a nudge (its users’ history stays for its performance)',
    security: auth.admin,
    request: { params: anyNudgeKeyParams, query: noQuery },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { key } = c.req.valid('param')
    if (!(await deleteNudge(c.env.DB, c.var.apiKey.projectId, key))) throw notFound(`No nudge ${key}`)
    const author = (await authorOfKey(c.env.DB, c.var.apiKey)).name
    await c.env.DB.batch(
      versionStatements(c.env.DB, c.var.apiKey.projectId, 'nudge', key, { action: 'delete', definition: null, author, now: Date.now() }),
    )
    return c.body(null, 204)
  },
)

nudgeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{key}/performance',
    tags,
    summary: 'Funnel and conversion lift over the holdout, overall and per segment, with a 95% Newcombe interval',
    security: auth.read,
    request: { params: anyNudgeKeyParams, query: noQuery },
    responses: { 200: jsonResponse(nudgePerformanceSchema, 'The nudge’s performance'), ...errorResponses(404) },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { key } = c.req.valid('param')
    const n = await findNudge(c.env.DB, projectId, key)
    if (!n) throw notFound(`No nudge ${key}`)
    const tour = n.kind === 'tour'
    // the users' nudge states are summed over every shard of a sharded project (D1 alone otherwise)
    const shards = (await projectState(c.env, projectId)).all().map((s) => s.db)
    const [groups, steps] = await Promise.all([
      // a tour finished within the window converts as the target feature's use does
      exposureGroups(c.env.DB, projectId, n.key, n.targetFeature ?? null, n.conversionDays, tour, shards),
      tour ? stepCounts(c.env.DB, projectId, n.key, n.steps?.length ?? 0, shards) : [],
    ])
    const perf = nudgePerformance(groups, n.targetFeature !== undefined)
    return c.json(
      {
        nudge: n.key,
        target_feature: n.targetFeature ?? null,
        conversion_days: n.conversionDays,
        definition: CONVERSION,
        ...snakeKeys(perf),
        steps,
      },
      200,
    )
  },
)
