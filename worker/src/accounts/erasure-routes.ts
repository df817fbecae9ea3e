import { Hono } from 'hono'
import { eraseAccount, eraseUser, type ErasureResult } from './erasure-store'
import type { AppEnv } from '../http/env'
import { badRequest } from '../http/errors'
import { noQuery } from '../http/validate'

/**
 * Admin API: erasure of an end user (`DELETE /api/v1/users/:id`) or an account with its users
 * (`DELETE /api/v1/accounts/:id`). 200 `done` when nothing is left (also for an id already erased or never
 * seen: Uptake keeps no record of erased ids), 202 `in_progress` when the call's bounded work ran out first:
 * call again until `done`.
 */
export const userErasureRoutes = new Hono<AppEnv>()
export const accountErasureRoutes = new Hono<AppEnv>()

const USER_TABLES = ['events', 'user_days', 'user_event_days', 'user_feature_days', 'nudge_states', 'user_scores', 'users']
const ACCOUNT_TABLES = [...USER_TABLES, 'account_scores', 'account_score_snapshots', 'account_alerts', 'account_outcomes', 'accounts']

function present(idField: string, id: string, r: ErasureResult, tables: string[]) {
  const deleted = Object.fromEntries(tables.map((t) => [t, 0]))
  return { [idField]: id, status: r.status, deleted: { ...deleted, ...r.deleted } }
}

function pathId(raw: string, what: string): string {
  if (raw.length === 0 || raw.length > 200) throw badRequest(`The ${what} id must be 1-200 characters`)
  return raw
}

userErasureRoutes.delete('/:userId', noQuery, async (c) => {
  const id = pathId(c.req.param('userId'), 'user')
  const r = await eraseUser(c.env.DB, c.var.apiKey.projectId, id)
  return c.json(present('user_id', id, r, USER_TABLES), r.status === 'done' ? 200 : 202)
})

accountErasureRoutes.delete('/:accountId', noQuery, async (c) => {
  const id = pathId(c.req.param('accountId'), 'account')
  const r = await eraseAccount(c.env.DB, c.var.apiKey.projectId, id)
  return c.json(present('account_id', id, r, ACCOUNT_TABLES), r.status === 'done' ? 200 : 202)
})
