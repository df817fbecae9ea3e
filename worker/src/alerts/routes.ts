import { Hono } from 'hono'
import { z } from 'zod'
import { listAlerts } from './store'
import type { AppEnv } from '../http/env'
import { intParam, validateQuery } from '../http/validate'

const query = {
  days: intParam(1, 365).default(30),
  kind: z.enum(['band_changed', 'score_drop', 'persistent_red', 'indicator_fired', 'opportunity', 'renewal_risk']).optional(),
  limit: intParam(1, 1000).default(200),
}

/** CS API: alerts raised by the daily run, newest first, with their webhook delivery state. */
export const alertRoutes = new Hono<AppEnv>()

alertRoutes.get('/', validateQuery(query), async (c) => {
  const q = c.req.valid('query')
  const rows = await listAlerts(c.env.DB, c.var.apiKey.projectId, Date.now() - q.days * 86_400_000, q.kind ?? null, q.limit)
  return c.json({
    alerts: rows.map((r) => ({
      id: r.id, account_id: r.account_id, kind: r.kind, reason: r.reason, payload: JSON.parse(r.payload_json),
      created_at: new Date(r.created_at).toISOString(),
      delivered_at: r.delivered_at ? new Date(r.delivered_at).toISOString() : null,
      delivery_error: r.delivery_error,
    })),
  })
})
