import { WIDGET_ERROR_EVENT } from '../../../shared/event-names'
import type { ProjectState } from '../shards'

/** One error the widget reported about itself (a `$widget_error` event). */
export interface WidgetError {
  at: number
  userId: string | null
  message?: string
  where?: string
  path?: string
}

interface Row {
  ts: number
  user_id: string | null
  properties_json: string
  context_json: string
}

function parse(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** Error text is whatever the page sent: strings only, and bounded. */
const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 1000) : undefined)

/** The project's widget errors since `since` (ms), newest first: they arrive through ingest as system events. */
export async function listWidgetErrors(db: D1Database, projectId: string, since: number, limit = 100): Promise<WidgetError[]> {
  return (await newestErrorRows(db, projectId, since, limit)).map(toWidgetError)
}

const newestErrorRows = async (db: D1Database, projectId: string, since: number, limit: number) =>
  (
    await db
      .prepare(
        'SELECT ts, user_id, properties_json, context_json FROM events WHERE project_id = ?1 AND ts >= ?2 AND name = ?3 ORDER BY ts DESC LIMIT ?4',
      )
      .bind(projectId, since, WIDGET_ERROR_EVENT, limit)
      .all<Row>()
  ).results

function toWidgetError(r: Row): WidgetError {
  const props = parse(r.properties_json)
  const page = parse(r.context_json).page
  const path = typeof page === 'object' && page !== null ? text((page as Record<string, unknown>).path) : undefined
  return { at: r.ts, userId: r.user_id, message: text(props.message), where: text(props.where), path }
}

/**
 * `listWidgetErrors` for a project's layout. Sharded: each shard's newest `limit` (the hot events live with their
 * user), merged newest first and cut to `limit`; equal timestamps keep shard order (D1's order for them is its index's).
 */
export async function widgetErrorsOf(state: ProjectState, since: number, limit = 100): Promise<WidgetError[]> {
  if (!state.sharded) return listWidgetErrors(state.control, state.projectId, since, limit)
  const perShard = await Promise.all(state.all().map(({ db }) => newestErrorRows(db, state.projectId, since, limit)))
  // Array.prototype.sort is stable: ties stay in shard order, then each shard's own order
  return perShard
    .flat()
    .sort((a, b) => b.ts - a.ts)
    .slice(0, limit)
    .map(toWidgetError)
}
