import { widgetErrorListSchema } from '../../../shared/api/projects'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { DAY_MS } from '../lib/days'
import { projectState } from '../shards'
import { widgetErrorsOf } from './widget-errors-store'

/** Admin API: the widget's own errors from the last 7 days, newest first, so broken embeds are visible. */
export const widgetErrorRoutes = createRouter()

/** How far back the list reaches. */
const WINDOW_DAYS = 7

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['projects'],
  summary: `Errors the widget reported about itself in the last ${WINDOW_DAYS} days, newest first (at most 100)`,
  security: auth.read,
  request: { query: querySchema({}) },
  responses: { 200: jsonResponse(widgetErrorListSchema, 'The errors'), ...errorResponses() },
})

widgetErrorRoutes.openapi(list, async (c) => {
  const errors = await widgetErrorsOf(await projectState(c.env, c.var.apiKey.projectId), Date.now() - WINDOW_DAYS * DAY_MS)
  return c.json(
    {
      errors: errors.map((e) => ({
        at: new Date(e.at).toISOString(),
        user_id: e.userId,
        message: e.message,
        where: e.where,
        path: e.path,
      })),
    },
    200,
  )
})
