import { z } from '@hono/zod-openapi'
import {
  ALERT_STATUS_FILTERS,
  alertIdParams,
  alertKindSchema,
  alertListSchema,
  alertPatchBodySchema,
  alertPatchResultSchema,
} from '../../../shared/api/alerts'
import { accountCards, type AccountCard } from '../accounts'
import { ApiError, badRequest, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { DAY_MS } from '../lib/days'
import { authorOf, insertedNote, insertNoteStatement, noteWire } from '../notes'
import { findMember, listMembers, type ApiKey, type Member } from '../projects'
import { applyQueueChange, rankQueue, type OwnerMatch, type RankedAlert } from './queue'
import { findAlert, listAlerts, updateAlertStatement, type StoredAlert } from './store'

/**
 * CS API: alerts raised by the daily run, with their webhook delivery state, worked as a queue: status (open,
 * snoozed until a time, done), owner (the assignee, else the account's `owner`) and a recommended order.
 */
export const alertRoutes = createRouter()

const tags = ['alerts']
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
/** Alerts the owner filter and the recommended order look through: the newest this many that match in SQL. */
const MAX_CANDIDATES = 2000

/** The one place an alert becomes the snake_case wire. */
function toWire(r: RankedAlert<StoredAlert>, card: AccountCard | null, members: Member[]) {
  const a = r.alert
  const owner = r.owner
  const member = owner === null ? undefined : members.find((m) => m.id === owner || m.email === owner.toLowerCase())
  return {
    id: a.id,
    account_id: a.accountId,
    kind: a.kind,
    reason: a.reason,
    payload: a.payload,
    created_at: iso(a.createdAt)!,
    delivered_at: iso(a.deliveredAt),
    delivery_error: a.deliveryError,
    status: r.status,
    owner: r.owner,
    owner_member: member ? { id: member.id, name: member.name, email: member.email } : null,
    snoozed_until: r.status === 'snoozed' ? iso(a.snoozedUntil) : null,
    done_at: iso(a.doneAt),
    updated_at: iso(a.updatedAt),
    account: card && {
      name: card.name,
      score: card.score,
      band: card.band,
      arr: card.arr,
      renewal_date: card.renewalDate,
      owner: card.owner,
    },
    priority: r.priority,
    priority_reasons: r.reasons,
  }
}

/** `me`, `none`, a member's id or email, or any other owner string. */
async function ownerMatch(db: D1Database, key: ApiKey, owner: string): Promise<OwnerMatch> {
  if (owner === 'none') return { none: true }
  if (owner === 'me') {
    if (!key.memberId)
      throw new ApiError(400, 'no_member', 'This key belongs to no member: ask for owner=<member id or email> instead of me')
    const me = await findMember(db, key.projectId, key.memberId)
    if (!me) throw new ApiError(400, 'no_member', 'This key belongs to no member')
    return { member: me }
  }
  const member = await findMember(db, key.projectId, owner)
  return member ? { member } : { text: owner }
}

alertRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags,
    summary: 'Alerts of the last `days`, as a queue: filter by status, owner and account; newest first or in the recommended order',
    description:
      '`status=active` (or `open`): open alerts and snoozed ones whose time has passed. `owner`: a member id or email, `me` ' +
      '(the member of the key) or `none`. `order=recommended`: lower health, higher ARR, nearer renewal first (`priority`). ' +
      '`days` defaults to 30, or 365 when listing open, active or snoozed alerts; owner filtering and the recommended order ' +
      `look through the newest ${MAX_CANDIDATES} alerts that match the other filters.`,
    security: auth.read,
    request: {
      query: querySchema({
        days: intParam(1, 365).optional(),
        kind: alertKindSchema.optional(),
        status: z.enum(ALERT_STATUS_FILTERS).optional(),
        owner: z.string().trim().min(1).max(320).optional(),
        account_id: z.string().min(1).max(200).optional(),
        order: z.enum(['newest', 'recommended']).default('newest'),
        limit: intParam(1, 1000).default(200),
      }),
    },
    responses: { 200: jsonResponse(alertListSchema, 'Alerts in the order asked'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const key = c.var.apiKey
    const now = Date.now()
    const queue = q.status !== undefined && q.status !== 'done'
    const owner = q.owner === undefined ? null : await ownerMatch(c.env.DB, key, q.owner)
    const ranked = owner !== null || q.order === 'recommended'
    const alerts = await listAlerts(c.env.DB, key.projectId, {
      since: now - (q.days ?? (queue ? 365 : 30)) * DAY_MS,
      kind: q.kind ?? null,
      accountId: q.account_id ?? null,
      status: q.status ?? null,
      now,
      limit: ranked ? MAX_CANDIDATES : q.limit,
    })
    const [cards, members] = await Promise.all([
      accountCards(
        c.env.DB,
        key.projectId,
        alerts.map((a) => a.accountId),
      ),
      listMembers(c.env.DB, key.projectId, false),
    ])
    const items = rankQueue(alerts, cards, { owner, order: q.order, limit: q.limit, now })
    return c.json({ alerts: items.map((r) => toWire(r, cards.get(r.alert.accountId) ?? null, members)) }, 200)
  },
)

alertRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    summary: "Work an alert: set its status, owner or snooze, and optionally write a note on the alert's account",
    description:
      '`snoozed_until` snoozes (status `snoozed` implied); `status: open` wakes it; `status: done` closes it. `owner` must name a ' +
      "live member; null gives the alert back to the account's owner. The change and the note are written in one transaction.",
    security: auth.admin,
    request: { params: alertIdParams, query: querySchema({}), body: jsonBody(alertPatchBodySchema) },
    responses: { 200: jsonResponse(alertPatchResultSchema, 'The alert after the change, and the note'), ...errorResponses(403, 404, 415) },
  }),
  async (c) => {
    const key = c.var.apiKey
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    const now = Date.now()
    const alert = await findAlert(c.env.DB, key.projectId, id)
    if (!alert) throw notFound(`No alert ${id} in this project`)
    const snoozedUntil = body.snoozed_until === undefined ? undefined : body.snoozed_until === null ? null : Date.parse(body.snoozed_until)
    const current = { status: alert.status, snoozedUntil: alert.snoozedUntil, doneAt: alert.doneAt }
    const next = applyQueueChange(current, { status: body.status, snoozedUntil }, now)
    if ('problem' in next) throw badRequest(next.problem)
    let owner: string | null | undefined
    if (body.owner !== undefined && body.owner !== null) {
      const member = await findMember(c.env.DB, key.projectId, body.owner)
      if (!member || member.removedAt !== null) throw new ApiError(400, 'unknown_member', `No member ${body.owner} in this project`)
      owner = member.id
    } else owner = body.owner
    const update = updateAlertStatement(c.env.DB, key.projectId, id, { ...next, owner }, now)
    let note = null
    if (body.note !== undefined) {
      const author = await authorOf(c.env.DB, key)
      const [, inserted] = await c.env.DB.batch([
        update,
        insertNoteStatement(c.env.DB, key.projectId, { accountId: alert.accountId, alertId: id, author, body: body.note }, now),
      ])
      note = noteWire(insertedNote(inserted))
    } else await update.run()
    const after = (await findAlert(c.env.DB, key.projectId, id))!
    const [cards, members] = await Promise.all([
      accountCards(c.env.DB, key.projectId, [after.accountId]),
      listMembers(c.env.DB, key.projectId, false),
    ])
    const [ranked] = rankQueue([after], cards, { owner: null, order: 'newest', limit: 1, now })
    return c.json({ alert: toWire(ranked, cards.get(after.accountId) ?? null, members), note }, 200)
  },
)
