import type { Context } from 'hono'
import {
  draftSavedSchema,
  featureDraftBodySchema,
  historySchema,
  nudgeDraftBodySchema,
  publishedSchema,
  restoreBodySchema,
} from '../../../shared/api/authoring'
import { featureKeyParams } from '../../../shared/api/features'
import { nudgeKeyParams } from '../../../shared/api/nudges'
import type { AppEnv } from '../http/env'
import { notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { authorOfKey } from './author'
import { draftWire, history, publishDraft, restoreVersion } from './publish'
import { deleteDraftStatement, findDraft, saveDraft, type ObjectKind } from './versions-store'

/** Work that outlives the response; without an execution context (app.request in tests) it just runs. */
export function background(c: Context<AppEnv>) {
  return (work: Promise<unknown>) => {
    const logged = work.catch((e) => console.error('authoring background', String((e as Error)?.message ?? e)))
    try {
      c.executionCtx.waitUntil(logged)
    } catch {
      // no execution context: the work runs on its own
    }
  }
}

const noQuery = querySchema({})

/**
 * Admin API, beside the PUT endpoints (which still publish at once): a draft that changes nothing users see, publish
 * it, the version history (who published what, when), and restore an earlier version. Mounted on /nudges and /features.
 */
function historyRoutes(kind: ObjectKind) {
  const routes = createRouter()
  const tags = [kind === 'nudge' ? 'nudges' : 'features']
  const params = kind === 'nudge' ? nudgeKeyParams : featureKeyParams
  const body = kind === 'nudge' ? nudgeDraftBodySchema : featureDraftBodySchema
  const ctx = async (c: Context<AppEnv>, action: 'publish' | 'restore') => ({
    db: c.env.DB,
    archive: c.env.RAW_EVENTS,
    projectId: c.var.apiKey.projectId,
    author: (await authorOfKey(c.env.DB, c.var.apiKey)).name,
    action,
    background: background(c),
  })

  routes.openapi(
    createRoute({
      method: 'get',
      path: '/{key}/versions',
      tags,
      summary: `The ${kind}’s published state, its draft and its versions (newest first, the 100 most recent)`,
      security: auth.read,
      request: { params, query: noQuery },
      responses: { 200: jsonResponse(historySchema, 'History'), ...errorResponses(404) },
    }),
    async (c) => {
      const h = await history(c.env.DB, c.var.apiKey.projectId, kind, c.req.valid('param').key)
      if (!h.published && !h.draft && !h.versions.length) throw notFound(`No ${kind} ${h.key}`)
      return c.json(h, 200)
    },
  )

  routes.openapi(
    createRoute({
      method: 'put',
      path: '/{key}/draft',
      tags,
      summary: `Save a draft of the ${kind}: users keep seeing the published one until it is published`,
      security: auth.admin,
      request: { params, query: noQuery, body: jsonBody(body) },
      responses: { 200: jsonResponse(draftSavedSchema, 'Saved'), ...errorResponses(403) },
    }),
    async (c) => {
      const { key } = c.req.valid('param')
      const { projectId } = c.var.apiKey
      const author = (await authorOfKey(c.env.DB, c.var.apiKey)).name
      await saveDraft(c.env.DB, projectId, kind, key, c.req.valid('json'), author, Date.now())
      const draft = await findDraft(c.env.DB, projectId, kind, key)
      return c.json({ key, draft: draftWire(draft!) }, 200)
    },
  )

  routes.openapi(
    createRoute({
      method: 'delete',
      path: '/{key}/draft',
      tags,
      summary: `Discard the ${kind}’s draft`,
      security: auth.admin,
      request: { params, query: noQuery },
      responses: { 204: { description: 'Discarded' }, ...errorResponses(403, 404) },
    }),
    async (c) => {
      const { key } = c.req.valid('param')
      const res = await deleteDraftStatement(c.env.DB, c.var.apiKey.projectId, kind, key).run()
      if (!res.meta.changes) throw notFound(`No draft of ${kind} ${key}`)
      return c.body(null, 204)
    },
  )

  routes.openapi(
    createRoute({
      method: 'post',
      path: '/{key}/publish',
      tags,
      summary: `Publish the ${kind}’s draft (validated as PUT validates), recorded as a new version`,
      security: auth.admin,
      request: { params, query: noQuery },
      responses: { 200: jsonResponse(publishedSchema, 'Published'), ...errorResponses(403, 409) },
    }),
    async (c) => c.json(await publishDraft(await ctx(c, 'publish'), kind, c.req.valid('param').key), 200),
  )

  routes.openapi(
    createRoute({
      method: 'post',
      path: '/{key}/restore',
      tags,
      summary: `Publish an earlier version of the ${kind} again, as a new version`,
      security: auth.admin,
      request: { params, query: noQuery, body: jsonBody(restoreBodySchema) },
      responses: { 200: jsonResponse(publishedSchema, 'Restored'), ...errorResponses(403, 404, 409) },
    }),
    async (c) => c.json(await restoreVersion(await ctx(c, 'restore'), kind, c.req.valid('param').key, c.req.valid('json').version), 200),
  )
  return routes
}

export const nudgeHistoryRoutes = historyRoutes('nudge')
export const featureHistoryRoutes = historyRoutes('feature')
