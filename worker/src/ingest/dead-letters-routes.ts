import {
  DEAD_LETTER_CURSOR,
  DEAD_LETTER_STATUSES,
  deadLetterListSchema,
  deadLetterReplaySchema,
  deadLetterSchema,
  type DeadLetterWire,
} from '../../../shared/api/dead-letters'
import { ApiError, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema, z } from '../http/openapi'
import { intParam } from '../http/validate'
import { storeIngest } from './consumer'
import { getDeadLetter, listDeadLetters, markReplayed, type DeadLetterRow } from './dead-letters-list-store'
import { ingestMessageSchema, type IngestMessage } from './messages'
import { writesInline } from './queue'

/** Admin/CS API: ingest dead letters of the key's project. Mounted at /api/v1/ingest. */
export const deadLetterRoutes = createRouter()

const tags = ['ingest']
const idParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: '3f1c7a52-64b8-4d0c-9a55-5b1f7f0e2d11' }),
})

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())

/** The one place a stored dead letter becomes the wire; the body only when asked (it can hold 128 KB). */
function toWire(r: DeadLetterRow, withBody = false): DeadLetterWire {
  const wire: DeadLetterWire = {
    id: r.id,
    status: r.status,
    events: r.events,
    attempts: r.attempts,
    error: r.error,
    failed_at: new Date(r.failed_at).toISOString(),
    replayed_at: iso(r.replayed_at),
  }
  if (withBody) wire.body = parseStored(r.body_json ?? 'null')
  return wire
}

function parseStored(json: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    return json
  }
}

deadLetterRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/dead-letters',
    tags,
    summary: 'Ingest queue messages that failed every retry, newest first',
    description:
      'Each is one request’s events the writer could not store (after 6 deliveries, or an unreadable message). Bodies are left out: read one with GET /dead-letters/{id}. Page with `cursor` = the previous `next_cursor`.',
    security: auth.read,
    request: {
      query: querySchema({
        status: z.enum(DEAD_LETTER_STATUSES).optional(),
        limit: intParam(1, 100).default(50),
        cursor: z.string().regex(DEAD_LETTER_CURSOR, 'a next_cursor from this list').optional(),
      }),
    },
    responses: { 200: jsonResponse(deadLetterListSchema, 'The dead letters'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const after = q.cursor
      ? { failedAt: Number(q.cursor.slice(0, q.cursor.indexOf('.'))), id: q.cursor.slice(q.cursor.indexOf('.') + 1) }
      : null
    const rows = await listDeadLetters(c.env.DB, c.var.apiKey.projectId, { status: q.status ?? null, limit: q.limit + 1, after })
    const page = rows.slice(0, q.limit)
    const last = page.at(-1)
    const next = rows.length > q.limit && last ? `${last.failed_at}.${last.id}` : null
    return c.json({ dead_letters: page.map((r) => toWire(r)), next_cursor: next }, 200)
  },
)

deadLetterRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/dead-letters/{id}',
    tags,
    summary: 'One dead letter with its stored queue message (the normalised events)',
    security: auth.read,
    request: { params: idParams, query: querySchema({}) },
    responses: { 200: jsonResponse(deadLetterSchema, 'The dead letter'), ...errorResponses(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const row = await getDeadLetter(c.env.DB, c.var.apiKey.projectId, id)
    if (!row) throw notFound(`No dead letter ${id} in this project`)
    return c.json(toWire(row, true), 200)
  },
)

deadLetterRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/dead-letters/{id}/replay',
    tags,
    summary: 'Send a dead letter’s events through the writer again',
    description:
      'To the ingest queue (or written in the request when the deployment writes inline), then marked `replayed`. Writes dedupe on messageId, so replaying twice, or events already stored, counts nothing twice. 409 `not_replayable` for a message the writer cannot read.',
    security: auth.admin,
    request: { params: idParams, query: querySchema({}) },
    responses: { 200: jsonResponse(deadLetterReplaySchema, 'Replayed'), ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const projectId = c.var.apiKey.projectId
    const row = await getDeadLetter(c.env.DB, projectId, id)
    if (!row) throw notFound(`No dead letter ${id} in this project`)
    const parsed = ingestMessageSchema.safeParse(parseStored(row.body_json ?? 'null'))
    // the stored project must be the key's: a message is never replayed into another project
    if (!parsed.success || parsed.data.projectId !== projectId)
      throw new ApiError(409, 'not_replayable', 'This dead letter does not hold a readable ingest message of this project')
    const message = parsed.data as unknown as IngestMessage
    let result: { queued: boolean; inserted: number | null; duplicates: number | null }
    if (writesInline(c.env)) {
      const stored = await storeIngest(c.env, projectId, [message])
      result = { queued: false, inserted: stored.inserted, duplicates: stored.duplicates }
    } else {
      try {
        await (c.env.INGEST_QUEUE as Queue<IngestMessage>).send(message, { contentType: 'json' })
      } catch (e) {
        console.warn('ingest queue refused a replay', String((e as Error)?.message ?? e))
        throw new ApiError(503, 'unavailable', 'The ingest queue is busy; retry shortly')
      }
      result = { queued: true, inserted: null, duplicates: null }
    }
    await markReplayed(c.env.DB, projectId, id, Date.now())
    return c.json({ id, status: 'replayed' as const, events: message.rows.length, ...result }, 200)
  },
)
