import { Hono, type Context } from 'hono'
import { featureKeySchema, featurePatchSchema, featurePutSchema, type Feature } from '../../../shared/features'
import { changesTagging, deleteFeatureStatement, findFeature, forgetFeatureIndex, listFeatures, upsertFeatureStatement } from './store'
import { advanceRebuild, continueRebuild, rebuildProgress, startRebuildStatement, type RebuildProgress } from './retag'
import type { AppEnv } from '../http/env'
import { badRequest, notFound } from '../http/errors'
import { noQuery, validate } from '../http/validate'

/**
 * Admin API: the features registry. A change that can alter how stored events are tagged (rules, kind,
 * a feature created or deleted) starts a paged re-tagging job whose progress GET reports as `rebuild`;
 * a change of name or `core` alone writes the feature row and nothing else.
 */
export const featureRoutes = new Hono<AppEnv>()

/** Work that outlives the response; without an execution context (app.request in tests) it just runs. */
function inBackground(c: Context<AppEnv>, work: Promise<unknown>) {
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
async function progressNudged(c: Context<AppEnv>): Promise<RebuildProgress | null> {
  const { projectId } = c.var.apiKey
  const progress = await rebuildProgress(c.env.DB, projectId)
  if (progress?.status === 'running') inBackground(c, advanceRebuild(c.env.DB, projectId, { maxPages: 5 }))
  return progress
}

/** Writes (or deletes) a feature; re-tags only when tagging can change: the first page now, the rest in the background. */
async function saveFeature(c: Context<AppEnv>, before: Feature | null, after: Feature | null, key: string): Promise<RebuildProgress | null> {
  const { projectId } = c.var.apiKey
  const db = c.env.DB
  const now = Date.now()
  const retag = changesTagging(before, after)
  await db.batch([
    after ? upsertFeatureStatement(db, projectId, after, now) : deleteFeatureStatement(db, projectId, key),
    ...(retag ? [startRebuildStatement(db, projectId, now)] : []),
  ])
  forgetFeatureIndex(projectId)
  if (!retag) return null
  const first = await advanceRebuild(db, projectId, { maxPages: 1 })
  if (first.progress?.status === 'running') inBackground(c, continueRebuild(db, projectId))
  return first.progress
}

function pathKey(c: Context<AppEnv>): string {
  const key = featureKeySchema.safeParse(c.req.param('key'))
  if (!key.success) throw badRequest(`Invalid feature key: ${key.error.issues[0].message}`)
  return key.data
}

featureRoutes.get('/', noQuery, async (c) => {
  const [features, rebuild] = await Promise.all([listFeatures(c.env.DB, c.var.apiKey.projectId), progressNudged(c)])
  return c.json({ features, rebuild })
})

featureRoutes.get('/:key', noQuery, async (c) => {
  const feature = await findFeature(c.env.DB, c.var.apiKey.projectId, c.req.param('key'))
  if (!feature) throw notFound(`No feature ${c.req.param('key')}`)
  return c.json({ feature, rebuild: await progressNudged(c) })
})

featureRoutes.put('/:key', noQuery, validate('json', featurePutSchema), async (c) => {
  const key = pathKey(c)
  const body = c.req.valid('json')
  if (body.key && body.key !== key) throw badRequest('The key in the body differs from the key in the path')
  const previous = await findFeature(c.env.DB, c.var.apiKey.projectId, key)
  const feature: Feature = { ...body, key }
  const rebuild = await saveFeature(c, previous, feature, key)
  return c.json({ feature, rebuild }, previous ? 200 : 201)
})

featureRoutes.patch('/:key', noQuery, validate('json', featurePatchSchema), async (c) => {
  const key = pathKey(c)
  const previous = await findFeature(c.env.DB, c.var.apiKey.projectId, key)
  if (!previous) throw notFound(`No feature ${key}; create it with PUT`)
  const feature: Feature = { ...previous, ...c.req.valid('json'), key }
  const rebuild = await saveFeature(c, previous, feature, key)
  return c.json({ feature, rebuild })
})

featureRoutes.delete('/:key', noQuery, async (c) => {
  const key = c.req.param('key')
  const previous = await findFeature(c.env.DB, c.var.apiKey.projectId, key)
  if (!previous) throw notFound(`No feature ${key}`)
  await saveFeature(c, previous, null, key)
  return c.body(null, 204)
})
