import { Hono } from 'hono'
import { nudgeInputSchema, nudgeKeySchema, type Nudge } from '../../../shared/nudges'
import { parseSelector } from '../features'
import { listFeatures } from '../features'
import { anchorReports, nudgePerformance } from './performance-store'
import { deleteNudge, listNudges, upsertNudge } from './store'
import type { AppEnv } from '../http/env'
import { badRequest, notFound } from '../http/errors'
import { noQuery, validate } from '../http/validate'
import { conversionLift } from './lift'

/** Admin API: nudge definitions; CS API: their performance with lift over holdout, and broken anchors. */
export const nudgeRoutes = new Hono<AppEnv>()

/** Problems that would keep a nudge from ever showing, found before it is saved. */
function unreachable(n: Omit<Nudge, 'key'>, featureKeys: Set<string>): string[] {
  const problems: string[] = []
  for (const [where, selector] of [['anchor', n.anchor], ['targeting.elementPresent', n.targeting.elementPresent]] as const) {
    if (selector && !selector.split(',').every((s) => parseSelector(s) !== null)) {
      problems.push(`${where}: "${selector}" is not a selector Uptake can check (use tags, #ids, .classes, [attributes], spaces and >)`)
    }
  }
  const features = [n.targetFeature, n.targeting.featureNotUsed, ...(n.steps ?? []).map((s) => s.feature)].filter((k): k is string => !!k)
  for (const k of features) if (!featureKeys.has(k)) problems.push(`unknown feature "${k}": define it first with PUT /api/v1/features/${k}`)
  return problems
}

nudgeRoutes.get('/', noQuery, async (c) => c.json({ nudges: await listNudges(c.env.DB, c.var.apiKey.projectId) }))

nudgeRoutes.get('/anchors', noQuery, async (c) => c.json({ missing_anchors: await anchorReports(c.env.DB, c.var.apiKey.projectId) }))

nudgeRoutes.get('/:key', noQuery, async (c) => {
  const n = (await listNudges(c.env.DB, c.var.apiKey.projectId)).find((x) => x.key === c.req.param('key'))
  if (!n) throw notFound(`No nudge ${c.req.param('key')}`)
  return c.json({ nudge: n })
})

nudgeRoutes.put('/:key', noQuery, validate('json', nudgeInputSchema), async (c) => {
  const key = nudgeKeySchema.safeParse(c.req.param('key'))
  if (!key.success) throw badRequest(`Invalid nudge key: ${key.error.issues[0].message}`)
  const { projectId } = c.var.apiKey
  const def = c.req.valid('json')
  const problems = unreachable(def, new Set((await listFeatures(c.env.DB, projectId)).map((f) => f.key)))
  if (problems.length) throw badRequest('This nudge could never show', problems)
  const existed = (await listNudges(c.env.DB, projectId)).some((x) => x.key === key.data)
  await upsertNudge(c.env.DB, projectId, { ...def, key: key.data }, Date.now())
  return c.json({ nudge: { ...def, key: key.data } }, existed ? 200 : 201)
})

nudgeRoutes.delete('/:key', noQuery, async (c) => {
  if (!(await deleteNudge(c.env.DB, c.var.apiKey.projectId, c.req.param('key')))) throw notFound(`No nudge ${c.req.param('key')}`)
  return c.body(null, 204)
})

nudgeRoutes.get('/:key/performance', noQuery, async (c) => {
  const { projectId } = c.var.apiKey
  const n = (await listNudges(c.env.DB, projectId)).find((x) => x.key === c.req.param('key'))
  if (!n) throw notFound(`No nudge ${c.req.param('key')}`)
  const rows = await nudgePerformance(c.env.DB, projectId, n.key, n.targetFeature ?? null, n.conversionDays)
  const total = (exposure: string, filter = (_: string) => true) => {
    const rs = rows.filter((r) => r.exposure === exposure && filter(r.segment))
    return { users: rs.reduce((a, r) => a + r.users, 0), converted: rs.reduce((a, r) => a + r.converted, 0) }
  }
  const funnel = (k: 'shows' | 'clicked' | 'dismissed' | 'snoozed' | 'completed') => rows.filter((r) => r.exposure === 'shown').reduce((a, r) => a + r[k], 0)
  const segments = [...new Set(rows.map((r) => r.segment))]
  return c.json({
    nudge: n.key,
    target_feature: n.targetFeature ?? null,
    conversion_days: n.conversionDays,
    definition: 'conversion = target feature used within N days of first being shown (holdout: of first being eligible); lift = conversion(shown) − conversion(holdout)',
    funnel: { users_shown: total('shown').users, shows: funnel('shows'), clicked: funnel('clicked'), dismissed: funnel('dismissed'), snoozed: funnel('snoozed'), completed: funnel('completed') },
    overall: n.targetFeature ? conversionLift(total('shown'), total('holdout')) : null,
    by_segment: n.targetFeature ? segments.map((s) => ({ segment: s, ...conversionLift(total('shown', (x) => x === s), total('holdout', (x) => x === s)) })) : [],
  })
})
