import { Hono } from 'hono'
import { featureInputSchema, featureKeySchema } from '../../../shared/features'
import { deleteFeature, findFeature, listFeatures, upsertFeature } from '../db/features'
import { reassignFeatureEvents } from '../db/feature-rebuild'
import type { AppEnv } from '../env'
import { badRequest, notFound } from '../errors'
import { noQuery, validate } from '../lib/validate'

/** Admin API: the features registry. Changing a feature's rules re-tags stored events and rebuilds its rollups. */
export const featureRoutes = new Hono<AppEnv>()

featureRoutes.get('/', noQuery, async (c) => c.json({ features: await listFeatures(c.env.DB, c.var.apiKey.projectId) }))

featureRoutes.get('/:key', noQuery, async (c) => {
  const feature = await findFeature(c.env.DB, c.var.apiKey.projectId, c.req.param('key'))
  if (!feature) throw notFound(`No feature ${c.req.param('key')}`)
  return c.json({ feature })
})

featureRoutes.put('/:key', noQuery, validate('json', featureInputSchema.omit({ key: true }).extend({ key: featureKeySchema.optional() })), async (c) => {
  const key = featureKeySchema.safeParse(c.req.param('key'))
  if (!key.success) throw badRequest(`Invalid feature key: ${key.error.issues[0].message}`)
  const body = c.req.valid('json')
  if (body.key && body.key !== key.data) throw badRequest('The key in the body differs from the key in the path')
  const { projectId } = c.var.apiKey
  const previous = await findFeature(c.env.DB, projectId, key.data)
  const feature = { ...body, key: key.data }
  await upsertFeature(c.env.DB, projectId, feature, Date.now())
  const rulesChanged = JSON.stringify(previous?.rules) !== JSON.stringify(feature.rules) || previous?.kind !== feature.kind
  const rebuilt = rulesChanged ? await reassignFeatureEvents(c.env.DB, projectId, Date.now()) : null
  return c.json({ feature, rebuilt }, previous ? 200 : 201)
})

featureRoutes.delete('/:key', noQuery, async (c) => {
  const { projectId } = c.var.apiKey
  if (!(await deleteFeature(c.env.DB, projectId, c.req.param('key')))) throw notFound(`No feature ${c.req.param('key')}`)
  await reassignFeatureEvents(c.env.DB, projectId, Date.now())
  return c.body(null, 204)
})
