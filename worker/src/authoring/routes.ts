import { authoringLinkBodySchema, authoringLinkSchema, authoringSessionListSchema, sessionIdParams } from '../../../shared/api/authoring'
import { notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { authorOfKey } from './author'
import { createLink, listSessions, revokeSession } from './store'
import { LINK_PREFIX, LINK_TTL_MS, linkUrl, newToken, SESSION_TTL_MS, sessionStatus } from './tokens'

/** Admin API: links that open the product in authoring mode, and the sessions they opened (listed, revoked). */
export const authoringRoutes = createRouter()

const tags = ['authoring']
const noQuery = querySchema({})
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())

authoringRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/links',
    tags,
    summary: 'A one-time link that opens a page of the product in authoring mode (usable once, for 10 minutes)',
    description:
      'The token rides in the URL fragment (`#uptake-author=…`), which browsers never send to a server; the widget removes it and trades it, with the write key, for an 8-hour session usable only from that page’s origin.',
    security: auth.admin,
    request: { query: noQuery, body: jsonBody(authoringLinkBodySchema) },
    responses: { 201: jsonResponse(authoringLinkSchema, 'The link to open'), ...errorResponses(403) },
  }),
  async (c) => {
    const { url } = c.req.valid('json')
    const now = Date.now()
    const token = newToken(LINK_PREFIX)
    const expiresAt = now + LINK_TTL_MS
    await createLink(c.env.DB, c.var.apiKey.projectId, { token, url, author: await authorOfKey(c.env.DB, c.var.apiKey), now, expiresAt })
    return c.json(
      { link: linkUrl(url, token), expires_at: new Date(expiresAt).toISOString(), session_hours: SESSION_TTL_MS / 3_600_000 },
      201,
    )
  },
)

authoringRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/sessions',
    tags,
    summary: 'Authoring sessions of the project, newest first (the 200 most recent)',
    security: auth.read,
    request: { query: noQuery },
    responses: { 200: jsonResponse(authoringSessionListSchema, 'Sessions'), ...errorResponses() },
  }),
  async (c) => {
    const now = Date.now()
    const sessions = await listSessions(c.env.DB, c.var.apiKey.projectId)
    return c.json(
      {
        sessions: sessions.map((s) => ({
          id: s.id,
          status: sessionStatus(s, now),
          origin: s.origin,
          author: s.author.name,
          created_at: new Date(s.createdAt).toISOString(),
          expires_at: new Date(s.expiresAt).toISOString(),
          last_used_at: iso(s.lastUsedAt),
          revoked_at: iso(s.revokedAt),
        })),
      },
      200,
    )
  },
)

authoringRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/sessions/{id}',
    tags,
    summary: 'Revoke an authoring session: its next builder request is refused',
    security: auth.admin,
    request: { params: sessionIdParams, query: noQuery },
    responses: { 204: { description: 'Revoked' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    if (!(await revokeSession(c.env.DB, c.var.apiKey.projectId, id, Date.now()))) throw notFound(`No authoring session ${id}`)
    return c.body(null, 204)
  },
)
