import { alertKindSchema, alertListSchema } from '../../../shared/api/alerts'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { DAY_MS } from '../lib/days'
import { listAlerts, type StoredAlert } from './store'

/** CS API: alerts raised by the daily run, newest first, with their webhook delivery state. */
export const alertRoutes = createRouter()

const iso = (ms: number) => new Date(ms).toISOString()

/** The one place an alert becomes the snake_case wire. */
const toWire = (a: StoredAlert) => ({
  id: a.id,
  account_id: a.accountId,
  kind: a.kind,
  reason: a.reason,
  payload: a.payload,
  created_at: iso(a.createdAt),
  delivered_at: a.deliveredAt === null ? null : iso(a.deliveredAt),
  delivery_error: a.deliveryError,
})

alertRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags: ['alerts'],
    summary: 'Alerts raised by the daily run in the last `days`, newest first (one per account and kind per cooldown)',
    security: auth.read,
    request: {
      query: querySchema({
        days: intParam(1, 365).default(30),
        kind: alertKindSchema.optional(),
        limit: intParam(1, 1000).default(200),
      }),
    },
    responses: { 200: jsonResponse(alertListSchema, 'Alerts, newest first'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const alerts = await listAlerts(c.env.DB, c.var.apiKey.projectId, Date.now() - q.days * DAY_MS, q.kind ?? null, q.limit)
    return c.json({ alerts: alerts.map(toWire) }, 200)
  },
)
