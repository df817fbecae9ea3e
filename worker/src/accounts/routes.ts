import { z } from '@hono/zod-openapi'
import {
  accountAttributesBodySchema,
  accountAttributesResultSchema,
  accountDetailSchema,
  accountErasureSchema,
  accountListSchema,
  accountPathParams,
  userErasureSchema,
  userPathParams,
} from '../../../shared/api/accounts'
import { notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { daysAgo } from '../lib/days'
import { eraseAccount, eraseUser, type ErasureResult } from './erasure-store'
import { projectState } from '../shards'
import { accountActivity, accountSummaries, findAccount, updateAccountAttributes, type AccountSummary } from './store'

/**
 * CS API: accounts with their usage, read from rollups. Admin API: account attributes, kept apart from the traits
 * clients send (a write key cannot set them), and erasure of an account or an end user. Outcomes are in renewals/.
 */
export const accountRoutes = createRouter()
export const userRoutes = createRouter()

const WINDOW_DAYS = 30
const tags = ['accounts']
const noQuery = querySchema({})
const iso = (ms: number) => new Date(ms).toISOString()

const summaryWire = (a: AccountSummary) => ({
  id: a.id,
  name: a.name,
  users: a.users,
  active_users: a.activeUsers,
  events_30d: a.eventsInWindow,
  first_seen: iso(a.firstSeen),
  last_seen: iso(a.lastSeen),
})

accountRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags,
    summary: 'Accounts by id, with users, active users and events in the last 30 days',
    security: auth.read,
    request: { query: querySchema({ limit: intParam(1, 500).default(100), after: z.string().max(200).optional() }) },
    responses: { 200: jsonResponse(accountListSchema, 'A page of accounts'), ...errorResponses() },
  }),
  async (c) => {
    const { limit, after } = c.req.valid('query')
    const state = await projectState(c.env, c.var.apiKey.projectId)
    const accounts = await accountSummaries(state, daysAgo(Date.now(), WINDOW_DAYS - 1), { limit, after })
    const next = accounts.length === limit ? accounts[accounts.length - 1].id : null
    return c.json({ window_days: WINDOW_DAYS, accounts: accounts.map(summaryWire), next }, 200)
  },
)

accountRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{id}',
    tags,
    summary: 'One account: traits, admin attributes, users, per-event counts and feature use (30 days and all time)',
    security: auth.read,
    request: { params: accountPathParams, query: noQuery },
    responses: { 200: jsonResponse(accountDetailSchema, 'The account'), ...errorResponses(404) },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { id } = c.req.valid('param')
    const [account, state] = await Promise.all([findAccount(c.env.DB, projectId, id), projectState(c.env, projectId)])
    if (!account) throw notFound(`No account ${id} in this project`)
    const { users, events, features } = await accountActivity(state, id, daysAgo(Date.now(), WINDOW_DAYS - 1))
    return c.json(
      {
        window_days: WINDOW_DAYS,
        account: {
          id: account.id,
          name: account.name,
          traits: account.traits,
          attributes: account.attributes,
          first_seen: iso(account.firstSeen),
          last_seen: iso(account.lastSeen),
        },
        users: users.map((u) => ({
          id: u.id,
          traits: u.traits,
          events_30d: u.eventsInWindow,
          active_days_30d: u.activeDaysInWindow,
          first_seen: iso(u.firstSeen),
          last_seen: iso(u.lastSeen),
        })),
        events: events.map((e) => ({
          name: e.name,
          events_30d: e.eventsInWindow,
          events_total: e.eventsTotal,
          users_30d: e.usersInWindow,
          last_day: e.lastDay,
        })),
        features: features.map((f) => ({
          key: f.key,
          name: f.name,
          kind: f.kind,
          core: f.core,
          uses_30d: f.usesInWindow,
          users_30d: f.usersInWindow,
          uses_total: f.usesTotal,
          first_day: f.firstDay,
          last_day: f.lastDay,
        })),
      },
      200,
    )
  },
)

accountRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    summary: 'Set admin-owned account attributes (a null removes one); never creates an account',
    security: auth.admin,
    request: { params: accountPathParams, query: noQuery, body: jsonBody(accountAttributesBodySchema) },
    responses: {
      200: jsonResponse(accountAttributesResultSchema, 'The account’s attributes after the change'),
      ...errorResponses(403, 404),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const { name, ...attributes } = c.req.valid('json')
    // a typo'd id must not create an account (it would show as a churn risk): accounts come from ingest
    const after = await updateAccountAttributes(c.env.DB, c.var.apiKey.projectId, id, name, attributes)
    if (!after) throw notFound(`No account ${id} in this project`)
    return c.json({ account_id: id, attributes: after }, 200)
  },
)

// archived_events: lines removed from the R2 raw archive; events: the hot system events D1 keeps; event_ids: dedupe keys
const USER_TABLES = [
  'archived_events',
  'event_ids',
  'events',
  'user_days',
  'user_event_days',
  'user_feature_days',
  'nudge_states',
  'user_scores',
  'user_contexts',
  'users',
]
const ACCOUNT_TABLES = [...USER_TABLES, 'account_scores', 'account_score_snapshots', 'account_alerts', 'account_outcomes', 'accounts']

/** Every table erasure touches, zero when nothing was deleted there. */
const erased = (r: ErasureResult, tables: string[]) => ({
  status: r.status,
  deleted: { ...Object.fromEntries(tables.map((t) => [t, 0])), ...r.deleted },
})

const ERASURE =
  '200 `done` when nothing is left (also for an id already erased or never seen: Uptake keeps no record of erased ids); 202 `in_progress` when the call’s bounded work ran out first: call again until `done`.'

accountRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{id}',
    tags,
    summary: 'Erase an account: its users (everything about them), what others did in it, its scores, alerts and outcomes',
    description: ERASURE,
    security: auth.admin,
    request: { params: accountPathParams, query: noQuery },
    responses: {
      200: jsonResponse(accountErasureSchema, 'Erased'),
      202: jsonResponse(accountErasureSchema, 'Partly erased: call again'),
      ...errorResponses(403),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const r = await eraseAccount(c.env, c.var.apiKey.projectId, id)
    const body = { account_id: id, ...erased(r, ACCOUNT_TABLES) }
    return r.status === 'done' ? c.json(body, 200) : c.json(body, 202)
  },
)

userRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{id}',
    tags,
    summary: 'Erase an end user: raw events (anonymous ones before sign-in too), rollups, nudge states, score and traits',
    description: ERASURE,
    security: auth.admin,
    request: { params: userPathParams, query: noQuery },
    responses: {
      200: jsonResponse(userErasureSchema, 'Erased'),
      202: jsonResponse(userErasureSchema, 'Partly erased: call again'),
      ...errorResponses(403),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const r = await eraseUser(c.env, c.var.apiKey.projectId, id)
    const body = { user_id: id, ...erased(r, USER_TABLES) }
    return r.status === 'done' ? c.json(body, 200) : c.json(body, 202)
  },
)
