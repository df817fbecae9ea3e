import { Hono } from 'hono'
import { WIDGET_ERROR_EVENT } from '../../../shared/events'
import type { AppEnv } from '../env'
import { DAY_MS } from '../lib/days'

/** Admin API: the widget's own errors from the last 7 days, newest first, so broken embeds are visible. */
export const widgetErrorRoutes = new Hono<AppEnv>()

widgetErrorRoutes.get('/', async (c) => {
  const { results } = await c.env.DB.prepare(
    `SELECT ts, user_id, properties_json, context_json FROM events
     WHERE project_id = ?1 AND ts >= ?2 AND name = ?3 ORDER BY ts DESC LIMIT 100`,
  )
    .bind(c.var.apiKey.projectId, Date.now() - 7 * DAY_MS, WIDGET_ERROR_EVENT)
    .all<{ ts: number; user_id: string | null; properties_json: string; context_json: string }>()
  return c.json({
    errors: results.map((r) => {
      const props = JSON.parse(r.properties_json) as { message?: string; where?: string }
      const ctx = JSON.parse(r.context_json) as { page?: { path?: string }; userAgent?: string }
      return { at: new Date(r.ts).toISOString(), user_id: r.user_id, message: props.message, where: props.where, path: ctx.page?.path }
    }),
  })
})
