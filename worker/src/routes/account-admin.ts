import { Hono } from 'hono'
import { accountAttributesSchema, outcomeSchema } from '../../../shared/scoring'
import type { AppEnv } from '../env'
import { notFound } from '../errors'
import { noQuery, validate } from '../lib/validate'

/** Admin API: account attributes (merged into the account's traits) and renewal outcomes. */
export const accountAdminRoutes = new Hono<AppEnv>()

async function assertAccount(db: D1Database, projectId: string, id: string) {
  const found = await db.prepare('SELECT 1 AS ok FROM accounts WHERE project_id = ?1 AND id = ?2').bind(projectId, id).first('ok')
  if (!found) throw notFound(`No account ${id} in this project`)
}

accountAdminRoutes.patch('/:accountId', noQuery, validate('json', accountAttributesSchema), async (c) => {
  const { projectId } = c.var.apiKey
  const id = c.req.param('accountId')
  const attrs = c.req.valid('json')
  const now = Date.now()
  await c.env.DB.prepare(
    `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
     ON CONFLICT (project_id, id) DO UPDATE SET name = COALESCE(excluded.name, name), traits_json = json_patch(traits_json, excluded.traits_json)`,
  )
    .bind(projectId, id, attrs.name ?? null, JSON.stringify(attrs), now)
    .run()
  const row = await c.env.DB.prepare('SELECT traits_json FROM accounts WHERE project_id = ?1 AND id = ?2').bind(projectId, id).first<string>('traits_json')
  return c.json({ account_id: id, attributes: JSON.parse(row ?? '{}') })
})

accountAdminRoutes.post('/:accountId/outcomes', noQuery, validate('json', outcomeSchema), async (c) => {
  const { projectId } = c.var.apiKey
  const id = c.req.param('accountId')
  await assertAccount(c.env.DB, projectId, id)
  const o = c.req.valid('json')
  await c.env.DB.prepare('INSERT INTO account_outcomes (project_id, account_id, kind, date, amount, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)')
    .bind(projectId, id, o.kind, o.date, o.amount ?? null, Date.now())
    .run()
  return c.json({ account_id: id, outcome: o }, 201)
})

accountAdminRoutes.get('/:accountId/outcomes', noQuery, async (c) => {
  const { results } = await c.env.DB.prepare('SELECT kind, date, amount FROM account_outcomes WHERE project_id = ?1 AND account_id = ?2 ORDER BY date, id')
    .bind(c.var.apiKey.projectId, c.req.param('accountId'))
    .all()
  return c.json({ outcomes: results })
})
