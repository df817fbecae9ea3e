import { accountPathParams } from '../../../shared/api/accounts'
import { newNoteBodySchema, noteListSchema, noteResultSchema } from '../../../shared/api/notes'
import { accountCards } from '../accounts'
import { ApiError, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { noteWire } from './notes'
import { alertAccount, authorOf, insertNote, listNotes } from './store'

/** CS API: notes on an account, newest first; the author is the key's member (or the key's label). Admin key to write. */
export const noteRoutes = createRouter()

const tags = ['accounts']

/** 404 unless the account is this project's. */
async function assertAccount(db: D1Database, projectId: string, id: string) {
  if (!(await accountCards(db, projectId, [id])).has(id)) throw notFound(`No account ${id} in this project`)
}

noteRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{id}/notes',
    tags,
    summary: "An account's notes, newest first",
    security: auth.read,
    request: { params: accountPathParams, query: querySchema({ limit: intParam(1, 500).default(100) }) },
    responses: { 200: jsonResponse(noteListSchema, 'Notes, newest first'), ...errorResponses(404) },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { id } = c.req.valid('param')
    await assertAccount(c.env.DB, projectId, id)
    const notes = await listNotes(c.env.DB, projectId, id, c.req.valid('query').limit)
    return c.json({ notes: notes.map(noteWire) }, 200)
  },
)

noteRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/notes',
    tags,
    summary: 'Write a note on an account (optionally about one of its alerts)',
    security: auth.admin,
    request: { params: accountPathParams, query: querySchema({}), body: jsonBody(newNoteBodySchema) },
    responses: { 201: jsonResponse(noteResultSchema, 'The note'), ...errorResponses(403, 404, 415) },
  }),
  async (c) => {
    const key = c.var.apiKey
    const { id } = c.req.valid('param')
    const { body, alert_id } = c.req.valid('json')
    await assertAccount(c.env.DB, key.projectId, id)
    if (alert_id !== undefined) {
      const account = await alertAccount(c.env.DB, key.projectId, alert_id)
      if (account === null) throw notFound(`No alert ${alert_id} in this project`)
      if (account !== id) throw new ApiError(400, 'alert_of_another_account', `Alert ${alert_id} is about account ${account}, not ${id}`)
    }
    const author = await authorOf(c.env.DB, key)
    const note = await insertNote(c.env.DB, key.projectId, { accountId: id, alertId: alert_id ?? null, author, body }, Date.now())
    return c.json({ note: noteWire(note) }, 201)
  },
)
