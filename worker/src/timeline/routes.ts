import { accountPathParams } from '../../../shared/api/accounts'
import { timelineSchema } from '../../../shared/api/notes'
import { accountCards } from '../accounts'
import { effectiveStatus, listAlerts } from '../alerts'
import { notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { listNotes } from '../notes'
import { accountNudgeActivity } from '../nudges'
import { listOutcomes } from '../renewals'
import { projectState } from '../shards'
import { buildTimeline } from './timeline'

/** CS API: what happened to an account, newest first: alerts, nudges its users saw and answered, outcomes, notes. */
export const timelineRoutes = createRouter()

timelineRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{id}/timeline',
    tags: ['accounts'],
    summary: "An account's timeline: alerts, nudges shown and answered, outcomes and notes, newest first",
    security: auth.read,
    request: { params: accountPathParams, query: querySchema({ limit: intParam(1, 200).default(50) }) },
    responses: { 200: jsonResponse(timelineSchema, 'At most `limit` items, newest first'), ...errorResponses(404) },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { id } = c.req.valid('param')
    const { limit } = c.req.valid('query')
    const db = c.env.DB
    if (!(await accountCards(db, projectId, [id])).has(id)) throw notFound(`No account ${id} in this project`)
    const now = Date.now()
    // each source gives at most `limit` of its newest, so the merge holds the newest `limit` of all
    const [alerts, nudges, outcomes, notes] = await Promise.all([
      listAlerts(db, projectId, { since: 0, kind: null, accountId: id, status: null, now, limit }),
      // the account's users' nudge states live in its one shard (D1 when the project is not sharded)
      accountNudgeActivity(db, projectId, id, limit, (await projectState(c.env, projectId)).forAccount(id)),
      listOutcomes(db, projectId, id),
      listNotes(db, projectId, id, limit),
    ])
    const shown = alerts.map((a) => ({ ...a, status: effectiveStatus(a, now) }))
    const items = buildTimeline({ alerts: shown, nudges, outcomes: outcomes.slice(-limit), notes }, limit)
    return c.json({ account_id: id, items: items.map((i) => ({ ...i, at: new Date(i.at).toISOString() })) }, 200)
  },
)
