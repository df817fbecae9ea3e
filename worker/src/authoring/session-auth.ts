import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { keyFromAuthorization } from '../http/auth'
import type { AppEnv } from '../http/env'
import { ApiError } from '../http/errors'
import { findSessionByToken, touchSession, type StoredSession } from './store'
import { looksLikeToken, SESSION_PREFIX, sessionStatus } from './tokens'

const sessions = new WeakMap<Request, StoredSession>()

/**
 * The builder API: an authoring session token as `Authorization: Bearer`, from the origin the session was opened
 * on. A write, read or admin key is refused here (the write key is in every page; secret keys never go in one).
 */
export const sessionAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === 'OPTIONS') return next()
  const token = keyFromAuthorization(c.req.header('authorization'))
  if (!token || !looksLikeToken(token, SESSION_PREFIX)) throw new ApiError(401, 'unauthorized', 'An authoring session token is required')
  const session = await findSessionByToken(c.env.DB, token)
  const now = Date.now()
  if (!session) throw new ApiError(401, 'unauthorized', 'Unknown authoring session')
  const status = sessionStatus(session, now)
  if (status !== 'active')
    throw new ApiError(401, `session_${status}`, `This authoring session is ${status}: open a new link from the console`)
  const origin = c.req.header('origin')
  if (origin && origin !== session.origin) throw new ApiError(403, 'other_origin', 'This authoring session belongs to another site')
  sessions.set(c.req.raw, session)
  await touchSession(c.env.DB, session.id, now)
  await next()
})

/** The session `sessionAuth` let through for this request. */
export function currentSession(c: Context<AppEnv>): StoredSession {
  const s = sessions.get(c.req.raw)
  if (!s) throw new ApiError(401, 'unauthorized', 'An authoring session token is required')
  return s
}
