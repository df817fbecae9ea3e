import { DAY_MS } from '../lib/days'
import type { NudgeState } from './decide'
import { readDefinition, toNudge, type Nudge } from './definition'
import { snakeKeys } from '../lib/casing'
import { isolateCache, type IsolateCache } from '../lib/isolate-cache'

/** A stored nudge, or null when its definition is not JSON or no longer validates. */
function storedNudge(key: string, json: string): Nudge | null {
  let stored: unknown
  try {
    stored = JSON.parse(json)
  } catch {
    return null
  }
  const definition = readDefinition(stored)
  return definition && toNudge(key, definition)
}

/** The project's nudges by key; a stored definition that no longer validates is left out. */
export async function listNudges(db: D1Database, projectId: string, onlyActive = false): Promise<Nudge[]> {
  const { results } = await db
    .prepare(`SELECT key, definition_json FROM nudges WHERE project_id = ?1 ${onlyActive ? 'AND active = 1' : ''} ORDER BY key`)
    .bind(projectId)
    .all<{ key: string; definition_json: string }>()
  return nudgesFromRows(results)
}

/** Nudges from their stored rows in key order; a definition that no longer validates is left out. */
export const nudgesFromRows = (rows: { key: string; definition_json: string }[]): Nudge[] =>
  rows.flatMap((r) => storedNudge(r.key, r.definition_json) ?? [])

const published = isolateCache<Nudge[]>(10_000)
/** The cache `cachedActiveNudges` reads through; the decision peeks at it and fills it from its one statement. */
export const activeNudgesCache: IsolateCache<Nudge[]> = published

/** The active nudges as the decision reads them: at most every 10 s per isolate, at once after a write in this one. */
export function cachedActiveNudges(db: D1Database, projectId: string, now = Date.now()): Promise<Nudge[]> {
  return published.get(projectId, () => listNudges(db, projectId, true), now)
}

export async function findNudge(db: D1Database, projectId: string, key: string): Promise<Nudge | null> {
  const row = await db
    .prepare('SELECT definition_json FROM nudges WHERE project_id = ?1 AND key = ?2')
    .bind(projectId, key)
    .first<{ definition_json: string }>()
  return row && storedNudge(key, row.definition_json)
}

/** Saves a nudge; true when it is new. The definition is stored in its snake_case API form. */
export async function upsertNudge(db: D1Database, projectId: string, n: Nudge, now: number): Promise<boolean> {
  const { key, ...definition } = n
  // one transaction: whether it existed is read just before the write
  const [existing] = await db.batch([
    db.prepare('SELECT 1 AS x FROM nudges WHERE project_id = ?1 AND key = ?2').bind(projectId, key),
    db
      .prepare(
        `INSERT INTO nudges (project_id, key, kind, definition_json, active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (project_id, key) DO UPDATE SET kind = excluded.kind, definition_json = excluded.definition_json, active = excluded.active, updated_at = excluded.updated_at`,
      )
      .bind(projectId, key, n.kind, JSON.stringify(snakeKeys(definition)), n.active ? 1 : 0, now),
  ])
  published.forget(projectId)
  return existing.results.length === 0
}

export async function deleteNudge(db: D1Database, projectId: string, key: string): Promise<boolean> {
  const res = await db.prepare('DELETE FROM nudges WHERE project_id = ?1 AND key = ?2').bind(projectId, key).run()
  published.forget(projectId)
  return res.meta.changes > 0
}

export async function hasActiveNudges(db: D1Database, projectId: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 AS x FROM nudges WHERE project_id = ?1 AND active = 1 LIMIT 1').bind(projectId).first('x')) !== null
}

/** A user's history with the project's nudges, as the decision reads it. */
export interface UserNudgeHistory {
  states: Map<string, NudgeState>
  /** The session each nudge was last shown in. */
  sessions: Map<string, string | null>
  /** Nudges this user is held out of. */
  holdouts: Set<string>
  /** Nudges first shown to this user in the last 7 days. */
  shownLast7Days: number
}

/** One stored `nudge_states` row, as the decision reads it. */
export interface NudgeStateRow {
  nudge_key: string
  exposure: string
  shows: number
  last_shown_at: number | null
  last_session: string | null
  dismissed_at: number | null
  snoozed_until: number | null
  completed_at: number | null
  tour_step: number | null
}

/** The columns of `NudgeStateRow`, in order: the decision reads them as one JSON array per row. */
export const NUDGE_STATE_COLUMNS = [
  'nudge_key',
  'exposure',
  'shows',
  'last_shown_at',
  'last_session',
  'dismissed_at',
  'snoozed_until',
  'completed_at',
  'tour_step',
] as const satisfies readonly (keyof NudgeStateRow)[]

/** A user's history from their `nudge_states` rows. */
export function nudgeHistory(results: NudgeStateRow[], now: number): UserNudgeHistory {
  const week = now - 7 * DAY_MS
  return {
    states: new Map(
      results.map((r) => [
        r.nudge_key,
        {
          shows: r.shows,
          lastShownAt: r.last_shown_at,
          dismissedAt: r.dismissed_at,
          snoozedUntil: r.snoozed_until,
          completedAt: r.completed_at,
          tourStep: r.tour_step,
        },
      ]),
    ),
    sessions: new Map(results.map((r) => [r.nudge_key, r.last_session])),
    holdouts: new Set(results.filter((r) => r.exposure === 'holdout').map((r) => r.nudge_key)),
    shownLast7Days: results.filter((r) => r.exposure === 'shown' && (r.last_shown_at ?? 0) >= week).length,
  }
}

export async function userNudgeStates(db: D1Database, projectId: string, userId: string, now: number): Promise<UserNudgeHistory> {
  const { results } = await db
    .prepare(`SELECT ${NUDGE_STATE_COLUMNS.join(', ')} FROM nudge_states WHERE project_id = ?1 AND user_id = ?2`)
    .bind(projectId, userId)
    .all<NudgeStateRow>()
  return nudgeHistory(results, now)
}

/** First eligibility of a held-out user: the start of its conversion window. Idempotent. */
export function recordHoldout(db: D1Database, projectId: string, userId: string, accountId: string | null, nudgeKey: string, now: number) {
  return db
    .prepare(
      `INSERT OR IGNORE INTO nudge_states (project_id, user_id, nudge_key, account_id, exposure, first_exposed_at) VALUES (?1, ?2, ?3, ?4, 'holdout', ?5)`,
    )
    .bind(projectId, userId, nudgeKey, accountId, now)
}
