import { WIDGET_ERROR_EVENT } from '../../../shared/event-names'

/** One error the widget reported about itself (a `$widget_error` event). */
export interface WidgetError {
  at: string
  user_id: string | null
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

function parse<T>(json: string): Partial<T> {
  try {
    return JSON.parse(json) as Partial<T>
  } catch {
    return {}
  }
}

/** The project's widget errors since `since` (ms), newest first: they arrive through ingest as system events. */
export async function listWidgetErrors(db: D1Database, projectId: string, since: number, limit = 100): Promise<WidgetError[]> {
  const { results } = await db
    .prepare('SELECT ts, user_id, properties_json, context_json FROM events WHERE project_id = ?1 AND ts >= ?2 AND name = ?3 ORDER BY ts DESC LIMIT ?4')
    .bind(projectId, since, WIDGET_ERROR_EVENT, limit)
    .all<Row>()
  return results.map((r) => {
    const props = parse<{ message: string; where: string }>(r.properties_json)
    const ctx = parse<{ page: { path?: string } }>(r.context_json)
    return { at: new Date(r.ts).toISOString(), user_id: r.user_id, message: props.message, where: props.where, path: ctx.page?.path }
  })
}
