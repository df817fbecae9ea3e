import { WIDGET_ERROR_EVENT } from '../../../shared/event-names'

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
  const { results } = await db
    .prepare(
      'SELECT ts, user_id, properties_json, context_json FROM events WHERE project_id = ?1 AND ts >= ?2 AND name = ?3 ORDER BY ts DESC LIMIT ?4',
    )
    .bind(projectId, since, WIDGET_ERROR_EVENT, limit)
    .all<Row>()
  return results.map((r) => {
    const props = parse(r.properties_json)
    const page = parse(r.context_json).page
    const path = typeof page === 'object' && page !== null ? text((page as Record<string, unknown>).path) : undefined
    return { at: r.ts, userId: r.user_id, message: text(props.message), where: text(props.where), path }
  })
}
