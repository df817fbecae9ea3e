import { Hono } from 'hono'
import { z } from 'zod'
import { findAccount, listAccountEventCounts, listAccountFeatureUse, listAccountSummaries, listAccountUsers } from './store'
import type { AppEnv } from '../http/env'
import { notFound } from '../http/errors'
import { daysAgo } from '../lib/days'
import { intParam, noQuery, validateQuery } from '../http/validate'

const WINDOW_DAYS = 30

const listQuery = {
  limit: intParam(1, 500).default(100),
  after: z.string().max(200).optional(),
}

/** CS API: accounts with their usage, read from rollups. */
export const accountRoutes = new Hono<AppEnv>()

accountRoutes.get('/', validateQuery(listQuery), async (c) => {
  const { limit, after } = c.req.valid('query')
  const rows = await listAccountSummaries(c.env.DB, c.var.apiKey.projectId, daysAgo(Date.now(), WINDOW_DAYS - 1), { limit, after })
  return c.json({
    window_days: WINDOW_DAYS,
    accounts: rows.map((r) => ({
      id: r.id,
      name: r.name,
      users: r.users,
      active_users: r.active_users,
      events_30d: r.events_30d,
      first_seen: new Date(r.first_seen).toISOString(),
      last_seen: new Date(r.last_seen).toISOString(),
    })),
    next: rows.length === limit ? rows[rows.length - 1].id : null,
  })
})

accountRoutes.get('/:accountId', noQuery, async (c) => {
  const { projectId } = c.var.apiKey
  const accountId = c.req.param('accountId')
  const account = await findAccount(c.env.DB, projectId, accountId)
  if (!account) throw notFound(`No account ${accountId} in this project`)
  const since = daysAgo(Date.now(), WINDOW_DAYS - 1)
  const [users, events, features] = await Promise.all([
    listAccountUsers(c.env.DB, projectId, accountId, since),
    listAccountEventCounts(c.env.DB, projectId, accountId, since),
    listAccountFeatureUse(c.env.DB, projectId, accountId, since),
  ])
  return c.json({
    window_days: WINDOW_DAYS,
    account: {
      id: account.id,
      name: account.name,
      // as clients sent them; `attributes` are the admin-owned values scoring reads for protected names
      traits: JSON.parse(account.traits_json),
      attributes: JSON.parse(account.attributes_json),
      first_seen: new Date(account.first_seen).toISOString(),
      last_seen: new Date(account.last_seen).toISOString(),
    },
    users: users.map((u) => ({
      id: u.id,
      traits: JSON.parse(u.traits_json),
      events_30d: u.events_30d,
      active_days_30d: u.active_days_30d,
      first_seen: new Date(u.first_seen).toISOString(),
      last_seen: new Date(u.last_seen).toISOString(),
    })),
    events,
    features: features.map((f) => ({ ...f, core: f.core === 1 })),
  })
})
