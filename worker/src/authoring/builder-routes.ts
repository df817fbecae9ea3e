import type { Context } from 'hono'
import { cors } from 'hono/cors'
import {
  builderContextSchema,
  builderFeatureParams,
  builderNudgeParams,
  clickPreviewBodySchema,
  clickPreviewSchema,
  draftSavedSchema,
  featureDraftBodySchema,
  historySchema,
  nudgeDraftBodySchema,
  nudgePreviewBodySchema,
  nudgePreviewSchema,
  publishedSchema,
  sessionExchangeBodySchema,
  sessionExchangeSchema,
} from '../../../shared/api/authoring'
import { featureForClick, listFeatures, parseSelector } from '../features'
import { assertWriteKey, resolveKey } from '../http/auth'
import type { AppEnv } from '../http/env'
import { ApiError } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { rawWindowStart } from '../ingest'
import { listNudges, presentNudge, toNudge, unreachable } from '../nudges'
import { loadProjectSettings } from '../projects'
import { loadScoringConfig } from '../scoring'
import { background } from './history-routes'
import { countMatches } from './preview'
import { recentClicks } from './preview-store'
import { draftWire, history, publishDraft } from './publish'
import { findLink, redeemLink, revokeSession } from './store'
import { currentSession, sessionAuth } from './session-auth'
import { LINK_PREFIX, linkRefusal, looksLikeToken, newSessionId, newToken, SESSION_PREFIX, SESSION_TTL_MS } from './tokens'
import { draftKeys, findDraft, saveDraft, type ObjectKind } from './versions-store'
import { DAY_MS } from '../lib/days'

/**
 * The builder's API in the product page (`/v1/authoring`), camelCase like the widget wire: the link exchange (link
 * token + write key), then everything else with the session token only. Definitions inside are the admin API's.
 */
export const builderRoutes = createRouter()

builderRoutes.use('*', cors({ origin: '*', allowHeaders: ['Authorization', 'Content-Type'], maxAge: 86400 }))
// every route but the exchange takes the session token (never a write or secret key)
builderRoutes.use('*', async (c, next) =>
  c.req.path.endsWith('/authoring/session') && c.req.method === 'POST' ? next() : sessionAuth(c, next),
)

const tags = ['authoring']
const noQuery = querySchema({})
const REFUSED: Record<string, [401 | 403, string, string]> = {
  unknown: [401, 'link_invalid', 'This authoring link is not valid: open a new one from the console'],
  other_project: [401, 'link_invalid', 'This authoring link is not valid: open a new one from the console'],
  used: [401, 'link_used', 'This authoring link was already used: open a new one from the console'],
  expired: [401, 'link_expired', 'This authoring link has expired: open a new one from the console'],
  other_origin: [403, 'other_origin', 'This authoring link was made for another site'],
}

builderRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/session',
    tags,
    summary: 'Trade a one-time authoring link token (with the write key) for an authoring session token',
    description:
      'Called by the widget after it removed `#uptake-author=…` from the URL. The link works once, within 10 minutes, from its page’s origin.',
    security: auth.write,
    request: { query: noQuery, body: jsonBody(sessionExchangeBodySchema) },
    responses: { 201: jsonResponse(sessionExchangeSchema, 'The session (keep it in sessionStorage)'), ...errorResponses(403) },
  }),
  async (c) => {
    const { token, writeKey } = c.req.valid('json')
    const { projectId } = assertWriteKey(await resolveKey(c.env.DB, writeKey))
    const now = Date.now()
    const link = looksLikeToken(token, LINK_PREFIX) ? await findLink(c.env.DB, token) : null
    const refusal = linkRefusal(link, { projectId, origin: c.req.header('origin') ?? null, now })
    if (refusal || !link) {
      const [status, code, message] = REFUSED[refusal ?? 'unknown']
      throw new ApiError(status, code, message)
    }
    const session = {
      id: newSessionId(),
      token: newToken(SESSION_PREFIX),
      projectId,
      origin: link.origin,
      author: link.author,
      now,
      expiresAt: now + SESSION_TTL_MS,
    }
    // spent in the same transaction that opens the session: a second exchange of the token finds it used
    if (!(await redeemLink(c.env.DB, link, session))) throw new ApiError(...REFUSED.used)
    return c.json({ session: session.token, expiresAt: new Date(session.expiresAt).toISOString(), author: link.author.name }, 201)
  },
)

builderRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/session',
    tags,
    summary: 'End this authoring session (leave authoring mode)',
    security: auth.session,
    request: { query: noQuery },
    responses: { 204: { description: 'Ended' }, ...errorResponses() },
  }),
  async (c) => {
    const s = currentSession(c)
    await revokeSession(c.env.DB, s.projectId, s.id, Date.now())
    return c.body(null, 204)
  },
)

builderRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/context',
    tags,
    summary: 'What the builder offers: features (with drafts), nudges, segments',
    security: auth.session,
    request: { query: noQuery },
    responses: { 200: jsonResponse(builderContextSchema, 'Context'), ...errorResponses() },
  }),
  async (c) => {
    const s = currentSession(c)
    const db = c.env.DB
    const [features, nudges, featureDrafts, nudgeDrafts, scoring] = await Promise.all([
      listFeatures(db, s.projectId),
      listNudges(db, s.projectId),
      draftKeys(db, s.projectId, 'feature'),
      draftKeys(db, s.projectId, 'nudge'),
      loadScoringConfig(db, s.projectId),
    ])
    const published = new Set(nudges.map((n) => n.key))
    return c.json(
      {
        author: s.author.name,
        expiresAt: new Date(s.expiresAt).toISOString(),
        features: features.map((f) => ({ ...f, draft: featureDrafts.has(f.key) })),
        nudges: [
          ...nudges.map((n) => ({ key: n.key, kind: n.kind, published: true, draft: nudgeDrafts.has(n.key) })),
          ...[...nudgeDrafts].filter((k) => !published.has(k)).map((key) => ({ key, kind: 'draft', published: false, draft: true })),
        ],
        segments: scoring.config.segments.map((seg) => seg.key),
      },
      200,
    )
  },
)

builderRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/preview',
    tags,
    summary: 'How many past clicks in the raw window a click rule would count (the server’s own matcher)',
    description:
      'Reads archived `$click` events of the 90-day window from the raw-event archive, newest days first, at most 100 archive objects and 5,000 clicks; `window.from` is how far back it looked, `scanned < total` says the count covers only the clicks scanned.',
    security: auth.session,
    request: { query: noQuery, body: jsonBody(clickPreviewBodySchema) },
    responses: { 200: jsonResponse(clickPreviewSchema, 'Counts'), ...errorResponses() },
  }),
  async (c) => {
    const s = currentSession(c)
    const { selector, path } = c.req.valid('json')
    const now = Date.now()
    const since = rawWindowStart(now)
    const supported = selector.split(',').every((one) => parseSelector(one) !== null)
    const { clicks, total, from } = await recentClicks(c.env.RAW_EVENTS, s.projectId, since)
    const matched = supported ? countMatches(clicks, { selector, path }, featureForClick) : 0
    return c.json(
      {
        selector,
        path: path ?? null,
        supported,
        matched,
        scanned: clicks.length,
        total,
        window: { from: new Date(from).toISOString(), to: new Date(now).toISOString(), days: Math.round((now - from) / DAY_MS) },
      },
      200,
    )
  },
)

builderRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/nudges/preview',
    tags,
    summary: 'A nudge definition as a user would receive it (resolved to a locale), with what would keep it from showing',
    security: auth.session,
    request: { query: noQuery, body: jsonBody(nudgePreviewBodySchema) },
    responses: { 200: jsonResponse(nudgePreviewSchema, 'The nudge as the widget renders it'), ...errorResponses() },
  }),
  async (c) => {
    const s = currentSession(c)
    const { definition, locale } = c.req.valid('json')
    const [features, settings] = await Promise.all([listFeatures(c.env.DB, s.projectId), loadProjectSettings(c.env.DB, s.projectId)])
    const problems = unreachable(definition, new Set(features.map((f) => f.key)), (sel) => parseSelector(sel) !== null)
    const nudge = presentNudge(toNudge('uptake-preview', definition), locale, new Set())
    return c.json({ nudge, theme: settings.nudges.theme as Record<string, string>, problems }, 200)
  },
)

/** Read, save as draft, publish: the same for nudges and features, in the session's project under its author. */
function objectRoutes(kind: ObjectKind) {
  const params = kind === 'nudge' ? builderNudgeParams : builderFeatureParams
  const body = kind === 'nudge' ? nudgeDraftBodySchema : featureDraftBodySchema
  const base = kind === 'nudge' ? '/nudges/{key}' : '/features/{key}'
  const ctx = (c: Context<AppEnv>) => {
    const s = currentSession(c)
    return {
      db: c.env.DB,
      archive: c.env.RAW_EVENTS,
      projectId: s.projectId,
      author: s.author.name,
      action: 'publish' as const,
      background: background(c),
    }
  }
  builderRoutes.openapi(
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: `A ${kind}: published, draft and versions`,
      security: auth.session,
      request: { params, query: noQuery },
      responses: { 200: jsonResponse(historySchema, 'History'), ...errorResponses() },
    }),
    async (c) => c.json(await history(c.env.DB, currentSession(c).projectId, kind, c.req.valid('param').key), 200),
  )
  builderRoutes.openapi(
    createRoute({
      method: 'put',
      path: `${base}/draft`,
      tags,
      summary: `Save a draft of a ${kind} (users see nothing of it until it is published)`,
      security: auth.session,
      request: { params, query: noQuery, body: jsonBody(body) },
      responses: { 200: jsonResponse(draftSavedSchema, 'Saved'), ...errorResponses() },
    }),
    async (c) => {
      const { db, projectId, author } = ctx(c)
      const { key } = c.req.valid('param')
      await saveDraft(db, projectId, kind, key, c.req.valid('json'), author, Date.now())
      return c.json({ key, draft: draftWire((await findDraft(db, projectId, kind, key))!) }, 200)
    },
  )
  builderRoutes.openapi(
    createRoute({
      method: 'post',
      path: `${base}/publish`,
      tags,
      summary: `Publish the ${kind}’s draft`,
      security: auth.session,
      request: { params, query: noQuery },
      responses: { 200: jsonResponse(publishedSchema, 'Published'), ...errorResponses(409) },
    }),
    async (c) => c.json(await publishDraft(ctx(c), kind, c.req.valid('param').key), 200),
  )
}
objectRoutes('feature')
objectRoutes('nudge')
