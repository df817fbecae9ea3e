import { cors } from 'hono/cors'
import type { z } from '@hono/zod-openapi'
import { dueNudgesSchema, nudgeDecisionQueryShape } from '../../../shared/api/nudges'
import { assertWriteKey, resolveKey } from '../http/auth'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { conditionsHold as scoringConditionsHold } from '../scoring'
import { projectState, type StateEnv } from '../shards'
import { decideNudges, type ConditionsHold } from './decide'
import { guidesFor } from './guides'
import { presentNudge, presentTour } from './present'
import { recordHoldout } from './store'
import { nudgeDecisionInputs } from './user-context-store'

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
    // an answer changes with every interaction the user sends: never reused (the widget then needs no fetch option)
    c.header('Cache-Control', 'no-store')
    return c.json(await answerNudges(c.env, c.req.valid('query'), Date.now(), (work) => c.executionCtx.waitUntil(work)), 200)
  },
)

type NudgeDecisionQuery = z.output<z.ZodObject<typeof nudgeDecisionQueryShape>>
type DueNudges = z.output<typeof dueNudgesSchema>

/** The parts of a decision a benchmark times (`mark` is called as each ends). */
export type DecisionPhase = 'key' | 'read' | 'decide' | 'respond'

/**
 * The answer to `GET /v1/nudges`: the write key (cached per isolate for 30 s), then one D1 statement (the user's
 * precomputed context and nudge states, and the published nudges and settings when this isolate's 10 s cache has
 * expired), the pure decision, the body. Holdouts are recorded after the answer, through `background`. A sharded
 * project reads one D1 statement (directory, account, control plane) and one on the user's shard, where holdouts go.
 */
export async function answerNudges(
  env: StateEnv,
  q: NudgeDecisionQuery,
  now: number,
  background: (work: Promise<unknown>) => void,
  mark?: (phase: DecisionPhase) => void,
): Promise<DueNudges> {
  const db = env.DB
  const { projectId } = assertWriteKey(await resolveKey(db, q.writeKey))
  // N is cached per isolate (fixed at creation): no statement on a warm isolate
  const state = await projectState(env, projectId)
  mark?.('key')
  const {
    nudges,
    settings,
    user: inputs,
    shard = db,
  } = await nudgeDecisionInputs(db, projectId, { id: q.userId, hash: q.userHash }, now, background, state)
  mark?.('read')
  // a known user with none answers exactly as an unknown one (nothing revealed)
  if (!inputs) return { nudges: [], theme: settings.nudges.theme }
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
    background(
      shard
        .batch(newHoldouts.map((d) => recordHoldout(shard, projectId, q.userId, ctx.account?.id ?? null, d.nudge.key, now)))
        .catch((e) => console.warn('holdout not recorded', String((e as Error)?.message ?? e))),
    )
  }
  mark?.('decide')
  const shown = decisions.filter((d) => d.outcome === 'show').map((d) => d.nudge)
  const tours = shown.filter((n) => n.kind === 'tour').map((n) => presentTour(n, q.locale, stored.states.get(n.key)?.tourStep ?? null))
  const { launcher } = settings
  const guides = launcher.enabled
    ? guidesFor(nudges, ctx.user, ctx.account, ctx.metrics, stored.states, now, { locale: q.locale, conditionsHold })
    : []
  const body: DueNudges = {
    // tours go to their own chunk: the nudge chunk gets the six simple kinds only
    nudges: shown.filter((n) => n.kind !== 'tour').map((n) => presentNudge(n, q.locale, ctx.metrics.usedFeatures)),
    theme: settings.nudges.theme,
    // only when there are some: a known user with none answers exactly as an unknown one (nothing revealed)
    ...(tours.length ? { tours } : {}),
    ...(guides.length ? { launcher: { position: launcher.position, label: launcher.label, guides } } : {}),
  }
  mark?.('respond')
  return body
}
