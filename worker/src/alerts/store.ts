import { z } from 'zod'
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
  const stmt = db.prepare('UPDATE account_alerts SET delivered_at = ?3, delivery_error = ?4 WHERE project_id = ?1 AND id = ?2')
  for (let i = 0; i < ids.length; i += 50)
    await db.batch(ids.slice(i, i + 50).map((id) => stmt.bind(projectId, id, error ? null : now, error)))
}

/** An alert as raised and stored, with its webhook delivery state. */
export interface StoredAlert {
  id: number
  accountId: string
  kind: AlertKind
  reason: string
  payload: Record<string, unknown>
  createdAt: number
  deliveredAt: number | null
  deliveryError: string | null
}

const payloadSchema = z.record(z.string(), z.unknown())

/** Alerts raised since `since`, newest first, of one kind or all. */
export async function listAlerts(
  db: D1Database,
  projectId: string,
  since: number,
  kind: AlertKind | null,
  limit: number,
): Promise<StoredAlert[]> {
  const { results } = await db
    .prepare(
      `SELECT id, account_id, kind, reason, payload_json, created_at, delivered_at, delivery_error FROM account_alerts
       WHERE project_id = ?1 AND created_at >= ?2 AND (?3 IS NULL OR kind = ?3) ORDER BY created_at DESC, id DESC LIMIT ?4`,
    )
    .bind(projectId, since, kind, limit)
    .all<{
      id: number
      account_id: string
      kind: AlertKind
      reason: string
      payload_json: string
      created_at: number
      delivered_at: number | null
      delivery_error: string | null
    }>()
  return results.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    kind: r.kind,
    reason: r.reason,
    payload: payloadSchema.safeParse(parseJson(r.payload_json)).data ?? {},
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    deliveryError: r.delivery_error,
  }))
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
