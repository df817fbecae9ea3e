import { env } from 'cloudflare:test'
import type { AccountExplanation, MeasureExplanation } from '../../shared/api/scoring'

/** Rows the console's read models read, written straight to D1: fast, and exact about what each test expects. */

export const DAY = 86_400_000
export const dayAgo = (n: number, now = Date.now()) => new Date(now - n * DAY).toISOString().slice(0, 10)

const measure = (key: MeasureExplanation['key'], score: number | null, weight: number): MeasureExplanation => ({
  key,
  label: key,
  raw: null,
  unit: 'ratio',
  window: '28d',
  detail: '',
  thresholds: { poor: 0, healthy: 1 },
  score,
  band: null,
  weight,
  share: 0,
  contribution: 0,
  points_lost: 0,
})

/** A stored explanation in the current shape, with these measures (key, score, weight). */
export function explanation(measures: [MeasureExplanation['key'], number | null, number][] = []): AccountExplanation {
  return {
    measures: measures.map(([k, s, w]) => measure(k, s, w)),
    risk_drivers: [],
    health_drivers: [],
    present_weight_share: 1,
    trend: { delta7: null, delta30: null, arrow: null, slope_per_week: null },
    pes: { adoption: null, stickiness: null, growth: null, pes: null },
    metrics: {
      active_users_7d: 0,
      active_users_28d: 0,
      logins_30d: 0,
      time_in_product_hours_30d: 0,
      stickiness: null,
      value_events_30d: 0,
      value_events_prev_30d: 0,
      value_amount_30d: 0,
      value_amount_prev_30d: 0,
      value_trend: null,
    },
    churn_reasons: [],
    app_version: null,
  }
}

export interface SeedAccount {
  id: string
  name?: string
  attributes?: Record<string, unknown>
  score?: number | null
  band?: 'red' | 'yellow' | 'green' | 'insufficient_data'
  segment?: string | null
  churnRisk?: boolean
  flags?: string[]
  explanation?: AccountExplanation
  /** Latest score's day (default today). */
  day?: string
  /** Snapshots: [day, score, band, measures (key, score, weight)]. */
  history?: [string, number | null, string, [string, number | null, number][]?][]
}

/** Accounts with their latest score and snapshots. */
export async function seedAccounts(projectId: string, accounts: SeedAccount[]): Promise<void> {
  const now = Date.now()
  const stmts = accounts.flatMap((a) => {
    const day = a.day ?? dayAgo(0)
    const out = [
      env.DB.prepare(
        'INSERT INTO accounts (project_id, id, name, traits_json, attributes_json, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)',
      ).bind(projectId, a.id, a.name ?? a.id, '{}', JSON.stringify(a.attributes ?? {}), now),
    ]
    if (a.score !== undefined)
      out.push(
        env.DB.prepare(
          `INSERT INTO account_scores (project_id, account_id, day, model_version, score, band, segment, profile, churn_risk, delta30, explanation_json, flags_json, computed_at)
           VALUES (?1, ?2, ?3, 'v-test', ?4, ?5, ?6, 'default', ?7, NULL, ?8, ?9, ?10)`,
        ).bind(
          projectId,
          a.id,
          day,
          a.score,
          a.band ?? 'yellow',
          a.segment ?? null,
          a.churnRisk ? 1 : 0,
          JSON.stringify(a.explanation ?? explanation()),
          JSON.stringify((a.flags ?? []).map((key) => ({ key, name: key, kind: 'risk', critical: false, values: {} }))),
          Date.parse(`${day}T03:17:00Z`),
        ),
      )
    for (const [d, score, band, measures] of a.history ?? [])
      out.push(
        env.DB.prepare(
          `INSERT INTO account_score_snapshots (project_id, account_id, day, model_version, score, band, segment, measures_json)
           VALUES (?1, ?2, ?3, 'v-test', ?4, ?5, NULL, ?6)`,
        ).bind(
          projectId,
          a.id,
          d,
          score,
          band,
          JSON.stringify((measures ?? []).map(([key, s, weight]) => ({ key, raw: null, score: s, weight }))),
        ),
      )
    return out
  })
  for (let i = 0; i < stmts.length; i += 50) await env.DB.batch(stmts.slice(i, i + 50))
}

/** An alert of the work queue. */
export async function seedAlert(
  projectId: string,
  accountId: string,
  status: 'open' | 'snoozed' | 'done',
  snoozedUntil: number | null = null,
): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO account_alerts (project_id, account_id, kind, alert_key, reason, payload_json, created_at, status, snoozed_until)
     VALUES (?1, ?2, 'score_drop', ?2, 'score down', '{}', ?3, ?4, ?5)`,
  )
    .bind(projectId, accountId, Date.now(), status, snoozedUntil)
    .run()
}

export async function seedMember(projectId: string, id: string, name: string, email: string): Promise<void> {
  await env.DB.prepare('INSERT INTO members (project_id, id, name, email, created_at) VALUES (?1, ?2, ?3, ?4, ?5)')
    .bind(projectId, id, name, email, Date.now())
    .run()
}

export async function seedOutcome(projectId: string, accountId: string, kind: string, date: string): Promise<void> {
  await env.DB.prepare('INSERT INTO account_outcomes (project_id, account_id, kind, date, created_at) VALUES (?1, ?2, ?3, ?4, ?5)')
    .bind(projectId, accountId, kind, date, Date.now())
    .run()
}
