import { NUDGE_EVENTS } from '../../../shared/nudge-events'
import { netPromoterScore, type NudgeInteraction } from './interactions'
import { SURVEY_NPS } from '../scoring'
import { DAY_MS } from '../lib/days'
import { keptStep } from '../../../shared/tours'

/** The per-step bit set each tour interaction records: the step was shown, gone past (next or done), or the tour skipped on it. */
const STEP_BITS: Partial<Record<NudgeInteraction['action'], 'tour_shown_steps' | 'tour_advanced_steps' | 'tour_dismissed_steps'>> = {
  shown: 'tour_shown_steps',
  advanced: 'tour_advanced_steps',
  completed: 'tour_advanced_steps',
  dismissed: 'tour_dismissed_steps',
}

/**
 * A tour interaction's effect on the user's state row: the kept step (a late retry of an older move never rewinds
 * it) and the step's bit for the per-step counts. Runs after the action's own statement, which creates the row.
 */
function tourStatement(db: D1Database, projectId: string, i: NudgeInteraction): D1PreparedStatement | null {
  if (i.step === null) return null
  const kept = i.action === 'completed' ? null : keptStep(i.action, i.step)
  // the column name comes from STEP_BITS, never from the event; a move that sets no bit ORs 0 into the first
  const bits = STEP_BITS[i.action]
  const column = bits ?? 'tour_shown_steps'
  return db
    .prepare(
      `UPDATE nudge_states SET
         tour_step = CASE WHEN ?4 IS NOT NULL AND COALESCE(tour_step_at, 0) <= ?5 THEN ?4 ELSE tour_step END,
         tour_step_at = CASE WHEN ?4 IS NOT NULL THEN max(COALESCE(tour_step_at, 0), ?5) ELSE tour_step_at END,
         ${column} = ${column} | ?6
       WHERE project_id = ?1 AND user_id = ?2 AND nudge_key = ?3`,
    )
    .bind(projectId, i.userId, i.nudge, kept, i.ts, bits ? 1 << i.step : 0)
}

function statement(db: D1Database, projectId: string, i: NudgeInteraction): D1PreparedStatement | null {
  const key = [projectId, i.userId, i.nudge] as const
  switch (i.action) {
    case 'shown':
      // one show per session however often the page re-renders it
      return db
        .prepare(
          `INSERT INTO nudge_states (project_id, user_id, nudge_key, account_id, exposure, shows, first_exposed_at, last_shown_at, last_session)
         VALUES (?1, ?2, ?3, ?4, 'shown', 1, ?5, ?5, ?6)
         ON CONFLICT (project_id, user_id, nudge_key) DO UPDATE SET
           shows = shows + (CASE WHEN last_session IS excluded.last_session THEN 0 ELSE 1 END),
           last_shown_at = max(COALESCE(last_shown_at, 0), excluded.last_shown_at), last_session = excluded.last_session`,
        )
        .bind(...key, i.accountId, i.ts, i.session)
    case 'clicked':
      return db
        .prepare('UPDATE nudge_states SET clicked_at = COALESCE(clicked_at, ?4) WHERE project_id = ?1 AND user_id = ?2 AND nudge_key = ?3')
        .bind(...key, i.ts)
    case 'dismissed':
      return db
        .prepare('UPDATE nudge_states SET dismissed_at = ?4 WHERE project_id = ?1 AND user_id = ?2 AND nudge_key = ?3')
        .bind(...key, i.ts)
    case 'snoozed':
      return db
        .prepare('UPDATE nudge_states SET snoozed_until = ?4 WHERE project_id = ?1 AND user_id = ?2 AND nudge_key = ?3')
        .bind(...key, i.ts + i.snoozeDays * DAY_MS)
    case 'completed':
    case 'answered':
      return db
        .prepare(
          'UPDATE nudge_states SET completed_at = COALESCE(completed_at, ?4) WHERE project_id = ?1 AND user_id = ?2 AND nudge_key = ?3',
        )
        .bind(...key, i.ts)
    case 'restarted':
      // from the launcher: a dismissed, snoozed or finished guide starts over
      return db
        .prepare(
          'UPDATE nudge_states SET dismissed_at = NULL, snoozed_until = NULL, completed_at = NULL WHERE project_id = ?1 AND user_id = ?2 AND nudge_key = ?3',
        )
        .bind(...key)
    case 'advanced':
    case 'wentBack':
      return null
    case 'anchorMissing':
      return db
        .prepare(
          `INSERT INTO nudge_anchor_reports (project_id, nudge_key, path, selector, reports, last_reported_at) VALUES (?1, ?2, ?3, ?4, 1, ?5)
         ON CONFLICT (project_id, nudge_key, path) DO UPDATE SET reports = reports + 1, selector = excluded.selector, last_reported_at = excluded.last_reported_at`,
        )
        .bind(projectId, i.nudge, i.path, i.selector, i.ts)
  }
}

/**
 * Applies freshly ingested nudge interactions to the server-kept nudge states, and NPS answers to the
 * account's survey NPS (`attributes.nps_survey`: each user's latest answer in 90 days, so one user cannot
 * outweigh the others by answering again; the admin's own `nps` attribute, when set, takes precedence).
 */
export async function applyNudgeInteractions(
  db: D1Database,
  /** the shard holding these users' state (`db` itself when the project is not sharded) */
  shard: D1Database,
  projectId: string,
  interactions: NudgeInteraction[],
  now: number,
): Promise<void> {
  if (!interactions.length) return
  // a tour's kept step after its state row: a first show creates the row the step is written to
  if (shard === db)
    await db.batch(interactions.flatMap((i) => [statement(db, projectId, i), tourStatement(db, projectId, i)].filter((x) => x !== null)))
  else {
    // sharded: the users' nudge states in one transaction on their shard, then the project's anchor reports on D1
    // (a crash between the two loses those reports' counts only: the stored events are not applied again)
    const anchor = (i: NudgeInteraction) => i.action === 'anchorMissing'
    const onShard = interactions.flatMap((i) =>
      [anchor(i) ? null : statement(shard, projectId, i), tourStatement(shard, projectId, i)].filter((x) => x !== null),
    )
    if (onShard.length) await shard.batch(onShard)
    const onD1 = interactions.flatMap((i) => (anchor(i) ? [statement(db, projectId, i)].filter((x) => x !== null) : []))
    if (onD1.length) await db.batch(onD1)
  }
  const accounts = [...new Set(interactions.filter((i) => i.action === 'answered' && i.accountId).map((i) => i.accountId as string))]
  for (const account of accounts) {
    // the answers are the account's events, on its users' shard; the NPS is an account attribute, on D1
    const { results } = await shard
      // json_valid: an answer stored before the shape bounds may be unreadable to SQLite and must not fail ingest
      .prepare(
        `SELECT score FROM (
           SELECT CASE WHEN json_valid(properties_json) THEN json_extract(properties_json, '$.score') END AS score, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts DESC) AS latest
           FROM events WHERE project_id = ?1 AND account_id = ?2 AND name = ?3 AND ts >= ?4
         ) WHERE latest = 1`,
      )
      .bind(projectId, account, NUDGE_EVENTS.answered, now - 90 * DAY_MS)
      .all<{ score: unknown }>()
    const nps = netPromoterScore(
      results.flatMap((r) => (typeof r.score === 'number' && Number.isInteger(r.score) && r.score >= 0 && r.score <= 10 ? [r.score] : [])),
    )
    if (nps !== null) {
      await db
        .prepare(`UPDATE accounts SET attributes_json = json_set(attributes_json, '$.${SURVEY_NPS}', ?3) WHERE project_id = ?1 AND id = ?2`)
        .bind(projectId, account, nps)
        .run()
    }
  }
}
