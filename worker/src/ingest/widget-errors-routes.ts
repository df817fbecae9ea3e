import { Hono } from 'hono'
import { listWidgetErrors } from './widget-errors-store'
import type { AppEnv } from '../http/env'
import { DAY_MS } from '../lib/days'
import { noQuery } from '../http/validate'

/** Admin API: the widget's own errors from the last 7 days, newest first, so broken embeds are visible. */
export const widgetErrorRoutes = new Hono<AppEnv>()

widgetErrorRoutes.get('/', noQuery, async (c) => c.json({ errors: await listWidgetErrors(c.env.DB, c.var.apiKey.projectId, Date.now() - 7 * DAY_MS) }))
