import { nudgeInputSchema, type Nudge } from '../../../shared/nudges'
import type { NudgeState } from './decide'

export async function listNudges(db: D1Database, projectId: string, onlyActive = false): Promise<Nudge[]> {
  const { results } = await db
    .prepare(`SELECT key, definition_json FROM nudges WHERE project_id = ?1 ${onlyActive ? 'AND active = 1' : ''} ORDER BY key`)
    .bind(projectId)
    .all<{ key: string; definition_json: string }>()
  return results.flatMap((r) => {
    const parsed = nudgeInputSchema.safeParse(JSON.parse(r.definition_json))
    return parsed.success ? [{ ...parsed.data, key: r.key }] : []
  })
}

export async function upsertNudge(db: D1Database, projectId: string, n: Nudge, now: number): Promise<void> {
  const { key, ...definition } = n
  await db
    .prepare(
      `INSERT INTO nudges (project_id, key, kind, definition_json, active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
       ON CONFLICT (project_id, key) DO UPDATE SET kind = excluded.kind, definition_json = excluded.definition_json, active = excluded.active, updated_at = excluded.updated_at`,
    )
    .bind(projectId, key, n.kind, JSON.stringify(definition), n.active ? 1 : 0, now)
    .run()
}

export async function deleteNudge(db: D1Database, projectId: string, key: string): Promise<boolean> {
  const res = await db.prepare('DELETE FROM nudges WHERE project_id = ?1 AND key = ?2').bind(projectId, key).run()
  return res.meta.changes > 0
}

export async function hasActiveNudges(db: D1Database, projectId: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 AS x FROM nudges WHERE project_id = ?1 AND active = 1 LIMIT 1').bind(projectId).first('x')) !== null
}

export interface StoredNudgeState extends NudgeState {
  nudgeKey: string
  lastSession: string | null
}

export async function userNudgeStates(db: D1Database, projectId: string, userId: string, now: number) {
  const { results } = await db
    .prepare('SELECT nudge_key, exposure, shows, last_shown_at, last_session, dismissed_at, snoozed_until, completed_at FROM nudge_states WHERE project_id = ?1 AND user_id = ?2')
    .bind(projectId, userId)
    .all<{ nudge_key: string; exposure: string; shows: number; last_shown_at: number | null; last_session: string | null; dismissed_at: number | null; snoozed_until: number | null; completed_at: number | null }>()
  const week = now - 7 * 86_400_000
  return {
    states: new Map(results.map((r) => [r.nudge_key, { shows: r.shows, lastShownAt: r.last_shown_at, dismissedAt: r.dismissed_at, snoozedUntil: r.snoozed_until, completedAt: r.completed_at }])),
    sessions: new Map(results.map((r) => [r.nudge_key, r.last_session])),
    holdouts: new Set(results.filter((r) => r.exposure === 'holdout').map((r) => r.nudge_key)),
    shownLast7Days: results.filter((r) => r.exposure === 'shown' && (r.last_shown_at ?? 0) >= week).length,
  }
}

/** First eligibility of a held-out user: the start of its conversion window. Idempotent. */
export function recordHoldout(db: D1Database, projectId: string, userId: string, accountId: string | null, nudgeKey: string, now: number) {
  return db
    .prepare(`INSERT OR IGNORE INTO nudge_states (project_id, user_id, nudge_key, account_id, exposure, first_exposed_at) VALUES (?1, ?2, ?3, ?4, 'holdout', ?5)`)
    .bind(projectId, userId, nudgeKey, accountId, now)
}
