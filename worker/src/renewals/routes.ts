import { Hono } from 'hono'
import { outcomeSchema } from '../../../shared/scoring'
import { deleteOutcome, listOutcomes, recordOutcome, type OutcomeRow } from './store'
import type { AppEnv } from '../http/env'
import { ApiError, notFound } from '../http/errors'
import { pastDateProblem } from '../lib/days'
import { intParam, noQuery, validate } from '../http/validate'

/**
 * Admin API: renewal outcomes of an account. One outcome per (account, kind, date): posting it again
 * answers 200 with the stored row instead of storing a second one.
 */
export const outcomeRoutes = new Hono<AppEnv>()

const present = (r: OutcomeRow) => ({ id: r.id, kind: r.kind, date: r.date, amount: r.amount, created_at: new Date(r.created_at).toISOString() })

async function assertAccount(db: D1Database, projectId: string, id: string) {
  const found = await db.prepare('SELECT 1 AS ok FROM accounts WHERE project_id = ?1 AND id = ?2').bind(projectId, id).first('ok')
  if (!found) throw notFound(`No account ${id} in this project`)
}

outcomeRoutes.post('/:accountId/outcomes', noQuery, validate('json', outcomeSchema), async (c) => {
  const { projectId } = c.var.apiKey
  const accountId = c.req.param('accountId')
  const o = c.req.valid('json')
  const now = Date.now()
  const problem = pastDateProblem(o.date, now)
  if (problem) throw new ApiError(400, 'invalid_request', `date ${problem}`, [`date: ${problem}`])
  await assertAccount(c.env.DB, projectId, accountId)
  const { created, row } = await recordOutcome(c.env.DB, projectId, accountId, o, now)
  if (!created && row.amount !== (o.amount ?? null)) {
    throw new ApiError(
      409,
      'outcome_conflict',
      `A ${row.kind} outcome on ${row.date} is already recorded with amount ${row.amount}; DELETE /api/v1/accounts/${accountId}/outcomes/${row.id} first to correct it`,
      { existing: present(row) },
    )
  }
  return c.json({ account_id: accountId, outcome: present(row), created }, created ? 201 : 200)
})

outcomeRoutes.get('/:accountId/outcomes', noQuery, async (c) => {
  const rows = await listOutcomes(c.env.DB, c.var.apiKey.projectId, c.req.param('accountId'))
  return c.json({ outcomes: rows.map(present) })
})

outcomeRoutes.delete('/:accountId/outcomes/:outcomeId', noQuery, async (c) => {
  const { accountId, outcomeId } = c.req.param()
  const parsed = intParam(1, Number.MAX_SAFE_INTEGER).safeParse(outcomeId)
  const id = parsed.success ? parsed.data : 0
  if (!id || !(await deleteOutcome(c.env.DB, c.var.apiKey.projectId, accountId, id))) throw notFound(`No outcome ${outcomeId} for account ${accountId}`)
  return c.body(null, 204)
})
