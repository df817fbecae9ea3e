import { z } from 'zod'
import type { AlertStatus } from './queue'
import { alertKey, type Alert, type AlertKind } from './triggers'

export async function lastRaised(db: D1Database, projectId: string, since: number): Promise<Map<string, number>> {
  const { results } = await db
    .prepare('SELECT alert_key, MAX(created_at) AS at FROM account_alerts WHERE project_id = ?1 AND created_at >= ?2 GROUP BY alert_key')
    .bind(projectId, since)
    .all<{ alert_key: string; at: number }>()
  return new Map(results.map((r) => [r.alert_key, r.at]))
}

export async function insertAlerts(db: D1Database, projectId: string, alerts: Alert[], now: number): Promise<number[]> {
  if (!alerts.length) return []
  const stmt = db.prepare(
    'INSERT INTO account_alerts (project_id, account_id, kind, alert_key, reason, payload_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id',
  )
  const ids: number[] = []
  for (let i = 0; i < alerts.length; i += 50) {
    const res = await db.batch<{ id: number }>(
      alerts.slice(i, i + 50).map((a) => stmt.bind(projectId, a.accountId, a.kind, alertKey(a), a.reason, JSON.stringify(a.payload), now)),
    )
    for (const r of res) ids.push(r.results[0].id)
  }
  return ids
}

export async function markDelivery(db: D1Database, projectId: string, ids: number[], now: number, error: string | null): Promise<void> {
  // one statement per 1,000 ids (a run's thousands of alerts stay far from D1's 1,000 statements per invocation)
  const stmt = db.prepare(
    'UPDATE account_alerts SET delivered_at = ?3, delivery_error = ?4 WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2))',
  )
  for (let i = 0; i < ids.length; i += 1000)
    await stmt.bind(projectId, JSON.stringify(ids.slice(i, i + 1000)), error ? null : now, error).run()
}

/** An alert as raised and stored, with its webhook delivery state and its place in the CS queue. */
export interface StoredAlert {
  id: number
  accountId: string
  kind: AlertKind
  reason: string
  payload: Record<string, unknown>
  createdAt: number
  deliveredAt: number | null
  deliveryError: string | null
  status: AlertStatus
  owner: string | null
  snoozedUntil: number | null
  doneAt: number | null
  updatedAt: number | null
}

interface AlertRow {
  id: number
  account_id: string
  kind: AlertKind
  reason: string
  payload_json: string
  created_at: number
  delivered_at: number | null
  delivery_error: string | null
  status: AlertStatus
  owner: string | null
  snoozed_until: number | null
  done_at: number | null
  updated_at: number | null
}

const COLUMNS =
  'id, account_id, kind, reason, payload_json, created_at, delivered_at, delivery_error, status, owner, snoozed_until, done_at, updated_at'

const payloadSchema = z.record(z.string(), z.unknown())

const toAlert = (r: AlertRow): StoredAlert => ({
  id: r.id,
  accountId: r.account_id,
  kind: r.kind,
  reason: r.reason,
  payload: payloadSchema.safeParse(parseJson(r.payload_json)).data ?? {},
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  deliveryError: r.delivery_error,
  status: r.status,
  owner: r.owner,
  snoozedUntil: r.snoozed_until,
  doneAt: r.done_at,
  updatedAt: r.updated_at,
})

/** What GET /alerts filters on in SQL; `active` and `open` both take snoozed alerts whose time has passed. */
export interface AlertFilter {
  since: number
  kind: AlertKind | null
  accountId: string | null
  status: AlertStatus | 'active' | null
  now: number
  limit: number
}

/** Alerts matching the filter, newest first. */
export async function listAlerts(db: D1Database, projectId: string, f: AlertFilter): Promise<StoredAlert[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM account_alerts
       WHERE project_id = ?1 AND created_at >= ?2 AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR account_id = ?4)
         AND (?5 IS NULL
           OR (?5 IN ('open', 'active') AND (status = 'open' OR (status = 'snoozed' AND COALESCE(snoozed_until, 0) <= ?6)))
           OR (?5 = 'snoozed' AND status = 'snoozed' AND snoozed_until > ?6)
           OR (?5 = 'done' AND status = 'done'))
       ORDER BY created_at DESC, id DESC LIMIT ?7`,
    )
    .bind(projectId, f.since, f.kind, f.accountId, f.status, f.now, f.limit)
    .all<AlertRow>()
  return results.map(toAlert)
}

export async function findAlert(db: D1Database, projectId: string, id: number): Promise<StoredAlert | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM account_alerts WHERE project_id = ?1 AND id = ?2`)
    .bind(projectId, id)
    .first<AlertRow>()
  return row && toAlert(row)
}

/** The queue state to write; `owner` undefined keeps the assignee. */
export interface QueueUpdate {
  status: AlertStatus
  snoozedUntil: number | null
  doneAt: number | null
  owner?: string | null
}

/** The UPDATE of an alert's queue state (batched with the note that explains it, when there is one). */
export function updateAlertStatement(db: D1Database, projectId: string, id: number, u: QueueUpdate, now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE account_alerts SET status = ?3, snoozed_until = ?4, done_at = ?5, owner = CASE WHEN ?6 = 1 THEN ?7 ELSE owner END, updated_at = ?8
       WHERE project_id = ?1 AND id = ?2`,
    )
    .bind(projectId, id, u.status, u.snoozedUntil, u.doneAt, u.owner === undefined ? 0 : 1, u.owner ?? null, now)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
