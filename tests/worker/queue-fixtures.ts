import { env } from 'cloudflare:test'
import { api } from './fixtures'

/** An account with admin attributes and, when given, a latest score. */
export async function seedAccount(
  projectId: string,
  id: string,
  attributes: Record<string, unknown>,
  score?: { score: number; band: string },
) {
  const now = Date.now()
  await env.DB.prepare(
    'INSERT INTO accounts (project_id, id, name, traits_json, attributes_json, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)',
  )
    .bind(projectId, id, id[0].toUpperCase() + id.slice(1), '{}', JSON.stringify(attributes), now)
    .run()
  if (score)
    await env.DB.prepare(
      `INSERT INTO account_scores (project_id, account_id, day, model_version, score, band, profile, explanation_json, computed_at)
       VALUES (?1, ?2, ?3, 'v1', ?4, ?5, 'default', '{}', ?6)`,
    )
      .bind(projectId, id, new Date(now).toISOString().slice(0, 10), score.score, score.band, now)
      .run()
}

/** An alert as the daily run stores it, `ageMs` ago. */
export async function seedAlert(projectId: string, accountId: string, kind = 'score_drop', ageMs = 3600_000): Promise<number> {
  const at = Date.now() - ageMs
  const payload = { account_id: accountId, kind, reason: 'score down 12 points in 7 days' }
  return (await env.DB.prepare(
    `INSERT INTO account_alerts (project_id, account_id, kind, alert_key, reason, payload_json, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id`,
  )
    .bind(projectId, accountId, kind, `${accountId}:${kind}`, payload.reason, JSON.stringify(payload), at)
    .first<number>('id'))!
}

export async function addMember(adminKey: string, name: string, email: string): Promise<{ id: string }> {
  const res = await api('/members', adminKey, { method: 'POST', body: JSON.stringify({ name, email }) })
  return (await res.json<{ member: { id: string } }>()).member
}

export async function memberSecret(adminKey: string, memberId: string, kind: 'read' | 'admin'): Promise<string> {
  const res = await api(`/members/${memberId}/keys`, adminKey, { method: 'POST', body: JSON.stringify({ kind }) })
  return (await res.json<{ secret: string }>()).secret
}
