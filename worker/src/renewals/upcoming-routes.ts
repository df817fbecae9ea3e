import { upcomingRenewalsQueryShape, upcomingRenewalsSchema } from '../../../shared/api/renewals'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { intParam } from '../http/validate'
import { DAY_MS, dayOf } from '../lib/days'
import { upcomingRenewals } from './upcoming'
import { upcomingRenewalRows } from './upcoming-store'

/** CS API: the renewals coming up, with health and ARR at risk. Mounted at /api/v1/renewals. */
export const renewalRoutes = createRouter()

renewalRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags: ['renewals'],
    summary: 'Renewals in the next 30, 90 or 180 days, with health and ARR at risk',
    description:
      "From each account's `renewal_date` attribute (today, UTC, included): health, band, ARR, owner, segment, days left and whether it is at risk " +
      '(renewing while not green), with ARR and ARR at risk per segment and in total. Accounts whose latest outcome is a churn are left out.',
    security: auth.read,
    request: { query: querySchema({ ...upcomingRenewalsQueryShape, limit: intParam(1, 1000).default(500) }) },
    responses: { 200: jsonResponse(upcomingRenewalsSchema, 'The renewals'), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const withinDays = Number(q.within_days)
    const now = Date.now()
    const today = dayOf(now)
    const { rows, truncated } = await upcomingRenewalRows(c.env.DB, c.var.apiKey.projectId, today, dayOf(now + withinDays * DAY_MS))
    const { items, bySegment, totals } = upcomingRenewals(rows, today, withinDays)
    return c.json(
      {
        within_days: withinDays,
        items: items.slice(0, q.limit).map((r) => ({
          account_id: r.accountId,
          name: r.name,
          renewal_date: r.renewalDate,
          days_left: r.daysLeft,
          arr: r.arr,
          score: r.score,
          band: r.band,
          segment: r.segment,
          owner: r.owner,
          at_risk: r.atRisk,
        })),
        by_segment: bySegment.map((s) => ({ segment: s.segment, accounts: s.accounts, arr: s.arr, arr_at_risk: s.arrAtRisk })),
        totals: { accounts: totals.accounts, arr: totals.arr, arr_at_risk: totals.arrAtRisk },
        truncated,
      },
      200,
    )
  },
)
