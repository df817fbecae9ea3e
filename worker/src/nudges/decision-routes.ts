import { cors } from 'hono/cors'
import { dueNudgesSchema, nudgeDecisionQueryShape } from '../../../shared/api/nudges'
import { assertWriteKey, resolveKey } from '../http/auth'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { cachedProjectSettings } from '../projects'
import { conditionsHold as scoringConditionsHold } from '../scoring'
import { decideNudges, type ConditionsHold } from './decide'
import { guidesFor } from './guides'
import { presentNudge, presentTour } from './present'
import { cachedActiveNudges, recordHoldout } from './store'
import { userDecisionInputs } from './user-context-store'

/**
 * Public: the nudges this user should see now (write key + user id, from the widget). A user the caller
 * cannot prove (unknown to ingest, or without a valid user hash when verification is required) gets the
 * same answer as a user with no nudges, and nothing is stored for them.
 */
export const nudgeDecisionRoutes = createRouter()

nudgeDecisionRoutes.use('*', cors({ origin: '*', maxAge: 86400 }))

/** Nudge attribute conditions hold as a segment's do (scoring's rules for types and operators). */
// the same condition language as segments, without the `tier` override (a tier never forces a nudge's targeting)
const conditionsHold: ConditionsHold = (attrs, all) => scoringConditionsHold(attrs, all)

nudgeDecisionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags: ['nudges'],
    summary: 'The nudges a user should see now, in the widget’s camelCase wire',
    description: 'Called by the widget. An unknown or unverified user gets the answer of a user with no nudges.',
    security: auth.write,
    request: { query: querySchema(nudgeDecisionQueryShape) },
    responses: { 200: jsonResponse(dueNudgesSchema, 'Nudges to show, in priority order, and the project theme'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const { projectId } = assertWriteKey(await resolveKey(c.env.DB, q.writeKey))
    const now = Date.now()
    const [nudges, settings] = await Promise.all([
      cachedActiveNudges(c.env.DB, projectId, now),
      cachedProjectSettings(c.env.DB, projectId, now),
    ])
    // an answer changes with every interaction the user sends: never reused (the widget then needs no fetch option)
    c.header('Cache-Control', 'no-store')
    const nothing = () => c.json({ nudges: [], theme: settings.nudges.theme }, 200)
    if (!nudges.length) return nothing()
    const percentile = nudges.find((n) => n.targeting.breadthBelowSegmentPercentile)?.targeting.breadthBelowSegmentPercentile
    // one D1 statement: the user's precomputed context with their nudge states (a user without one yet: from the rows, once)
    const inputs = await userDecisionInputs(
      c.env.DB,
      projectId,
      { id: q.userId, hash: q.userHash },
      now,
      {
        verify: settings.identity.verification === 'required',
        protectedAttributes: settings.attributes.protected,
        breadthPercentile: percentile,
      },
      (work) => c.executionCtx.waitUntil(work),
    )
    if (!inputs) return nothing()
    const { context: ctx, history: stored } = inputs
    const inSession = new Set([...stored.sessions].filter(([, s]) => q.session && s === q.session).map(([k]) => k))
    const decisions = decideNudges(
      ctx.user,
      ctx.account,
      ctx.metrics,
      nudges,
      {
        states: stored.states,
        inSession,
        shownThisSession: inSession.size,
        shownLast7Days: stored.shownLast7Days,
      },
      now,
      { path: q.path, caps: settings.nudges, conditionsHold },
    )
    const newHoldouts = decisions.filter((d) => d.outcome === 'holdout' && !stored.holdouts.has(d.nudge.key))
    if (newHoldouts.length) {
      // caught: a busy database after the answer must not surface as an unhandled rejection (the next request records it)
      c.executionCtx.waitUntil(
        c.env.DB.batch(
          newHoldouts.map((d) => recordHoldout(c.env.DB, projectId, q.userId, ctx.account?.id ?? null, d.nudge.key, now)),
        ).catch((e) => console.warn('holdout not recorded', String((e as Error)?.message ?? e))),
      )
    }
    const shown = decisions.filter((d) => d.outcome === 'show').map((d) => d.nudge)
    const tours = shown.filter((n) => n.kind === 'tour').map((n) => presentTour(n, q.locale, stored.states.get(n.key)?.tourStep ?? null))
    const { launcher } = settings
    const guides = launcher.enabled
      ? guidesFor(nudges, ctx.user, ctx.account, ctx.metrics, stored.states, now, { locale: q.locale, conditionsHold })
      : []
    return c.json(
      {
        // tours go to their own chunk: the nudge chunk gets the six simple kinds only
        nudges: shown.filter((n) => n.kind !== 'tour').map((n) => presentNudge(n, q.locale, ctx.metrics.usedFeatures)),
        theme: settings.nudges.theme,
        // only when there are some: a known user with none answers exactly as an unknown one (nothing revealed)
        ...(tours.length ? { tours } : {}),
        ...(guides.length ? { launcher: { position: launcher.position, label: launcher.label, guides } } : {}),
      },
      200,
    )
  },
)
