import { Hono } from 'hono'
import { accountAttributesSchema } from '../../../shared/scoring'
import type { AppEnv } from '../env'
import { notFound } from '../errors'
import { noQuery, validate } from '../lib/validate'

/** Admin API: account attributes (merged into the account's traits); outcomes are in routes/outcomes.ts. */
export const accountAdminRoutes = new Hono<AppEnv>()

async function assertAccount(db: D1Database, projectId: string, id: string) {
  const found = await db.prepare('SELECT 1 AS ok FROM accounts WHERE project_id = ?1 AND id = ?2').bind(projectId, id).first('ok')
  if (!found) throw notFound(`No account ${id} in this project`)
}

accountAdminRoutes.patch('/:accountId', noQuery, validate('json', accountAttributesSchema), async (c) => {
  const { projectId } = c.var.apiKey
  const id = c.req.param('accountId')
  const attrs = c.req.valid('json')
  // a typo'd id must not create an account (it would show as a churn risk): accounts come from ingest
  await assertAccount(c.env.DB, projectId, id)
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
