import { Hono } from 'hono'
import { accountAttributesSchema } from '../../../shared/scoring'
import type { AppEnv } from '../http/env'
import { notFound } from '../http/errors'
import { noQuery, validate } from '../http/validate'

/**
 * Admin API: account attributes, kept apart from the traits clients send (a write key cannot set them);
 * scoring, segments, alerts and nudge targeting read the protected names from here only. Outcomes are in routes/outcomes.ts.
 */
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
  const { name, ...attributes } = attrs
  // json_patch: a null removes the attribute
  const row = await c.env.DB.prepare(
    'UPDATE accounts SET name = COALESCE(?3, name), attributes_json = json_patch(attributes_json, ?4) WHERE project_id = ?1 AND id = ?2 RETURNING attributes_json',
  )
    .bind(projectId, id, name ?? null, JSON.stringify(attributes))
    .first<string>('attributes_json')
  return c.json({ account_id: id, attributes: JSON.parse(row ?? '{}') })
})
