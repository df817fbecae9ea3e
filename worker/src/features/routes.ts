import type { Context } from 'hono'
import {
  anyFeatureKeyParams,
  featureKeyParams,
  featureListSchema,
  featurePatchBodySchema,
  featurePutBodySchema,
  featureWithRebuildSchema,
  type RebuildProgressWire,
} from '../../../shared/api/features'
import type { Feature } from '../../../shared/features'
import type { AppEnv } from '../http/env'
import { badRequest, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { authorOfKey, versionStatements } from '../authoring'
import { featureDefinition, rebuildWire, saveFeatureChange } from './publish'
import { advanceRebuild, rebuildProgress } from './rebuild'
import { findFeature, listFeatures } from './store'

/**
 * Admin API: the features registry. A change that can alter how stored events are tagged (rules, kind,
 * a feature created or deleted) starts a paged re-tagging job whose progress GET reports as `rebuild`;
 * a change of name or `core` alone writes the feature row and nothing else.
 */
export const featureRoutes = createRouter()

/** Work that outlives the response; without an execution context (app.request in tests) it just runs. */
export function inBackground(c: Context<AppEnv>, work: Promise<unknown>) {
  const logged = work.catch((e) => console.error('feature rebuild', String((e as Error)?.message ?? e)))
  let ctx: { waitUntil(p: Promise<unknown>): void } | undefined
  try {
    ctx = c.executionCtx
  } catch {
    ctx = undefined
  }
  ctx?.waitUntil(logged)
}

/** A running job moves on by a page whenever someone looks at the registry (never blocking the answer). */
async function progressNudged(c: Context<AppEnv>): Promise<RebuildProgressWire | null> {
  const { projectId } = c.var.apiKey
  const progress = await rebuildProgress(c.env.DB, projectId)
  if (progress?.status === 'running') inBackground(c, advanceRebuild(c.env, projectId, { maxPages: 5 }))
  return rebuildWire(progress)
}

/** Writes (or deletes) a feature, published at once and recorded in its version history under the key's author. */
async function save(c: Context<AppEnv>, before: Feature | null, after: Feature | null, key: string): Promise<RebuildProgressWire | null> {
  const { projectId } = c.var.apiKey
  const author = (await authorOfKey(c.env.DB, c.var.apiKey)).name
  const withIt = versionStatements(c.env.DB, projectId, 'feature', key, {
    action: after ? 'publish' : 'delete',
    definition: after && featureDefinition(after),
    author,
    now: Date.now(),
  })
  return saveFeatureChange(c.env, projectId, key, { before, after, withIt }, (work) => inBackground(c, work))
}

const tags = ['features']
const noQuery = querySchema({})
const withRebuild = (description: string) => jsonResponse(featureWithRebuildSchema, description)

featureRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags,
    summary: 'List the features registry, with the progress of the last re-tagging job',
    security: auth.read,
    request: { query: noQuery },
    responses: { 200: jsonResponse(featureListSchema, 'Every feature, by key'), ...errorResponses() },
  }),
  async (c) => {
    const [features, rebuild] = await Promise.all([listFeatures(c.env.DB, c.var.apiKey.projectId), progressNudged(c)])
    return c.json({ features, rebuild }, 200)
  },
)

featureRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{key}',
    tags,
    summary: 'One feature, with the progress of the last re-tagging job',
    security: auth.read,
    request: { params: anyFeatureKeyParams, query: noQuery },
    responses: { 200: withRebuild('The feature'), ...errorResponses(404) },
  }),
  async (c) => {
    const { key } = c.req.valid('param')
    const feature = await findFeature(c.env.DB, c.var.apiKey.projectId, key)
    if (!feature) throw notFound(`No feature ${key}`)
    return c.json({ feature, rebuild: await progressNudged(c) }, 200)
  },
)

featureRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/{key}',
    tags,
    summary: 'Create or replace a feature; a change of rules or kind re-tags stored events',
    security: auth.admin,
    request: { params: featureKeyParams, query: noQuery, body: jsonBody(featurePutBodySchema) },
    responses: { 200: withRebuild('Replaced'), 201: withRebuild('Created'), ...errorResponses(403) },
  }),
  async (c) => {
    const { key } = c.req.valid('param')
    const body = c.req.valid('json')
    if (body.key && body.key !== key) throw badRequest('The key in the body differs from the key in the path')
    const previous = await findFeature(c.env.DB, c.var.apiKey.projectId, key)
    const feature: Feature = { ...body, key }
    const rebuild = await save(c, previous, feature, key)
    return previous ? c.json({ feature, rebuild }, 200) : c.json({ feature, rebuild }, 201)
  },
)

featureRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{key}',
    tags,
    summary: 'Change some fields of a feature; a change of rules or kind re-tags stored events',
    security: auth.admin,
    request: { params: featureKeyParams, query: noQuery, body: jsonBody(featurePatchBodySchema) },
    responses: { 200: withRebuild('Changed'), ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { key } = c.req.valid('param')
    const previous = await findFeature(c.env.DB, c.var.apiKey.projectId, key)
    if (!previous) throw notFound(`No feature ${key}; create it with PUT`)
    const feature: Feature = { ...previous, ...c.req.valid('json'), key }
    const rebuild = await save(c, previous, feature, key)
    return c.json({ feature, rebuild }, 200)
  },
)

featureRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{key}',
    tags,
    summary: 'Delete a feature; events tagged with it are re-tagged',
    security: auth.admin,
    request: { params: anyFeatureKeyParams, query: noQuery },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { key } = c.req.valid('param')
    const previous = await findFeature(c.env.DB, c.var.apiKey.projectId, key)
    if (!previous) throw notFound(`No feature ${key}`)
    await save(c, previous, null, key)
    return c.body(null, 204)
  },
)
