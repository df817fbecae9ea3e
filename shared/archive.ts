import type { EventKind } from './constants'
import type { EventType } from './events'

/**
 * One line of the raw-event archive in R2 (`raw/<project>/<YYYY-MM-DD>/<written ms>-<batch>.ndjson.gz`), also the
 * warehouse export: the normalised event as ingest counted it, in snake_case. Lines are written at least once:
 * dedupe on `message_id`.
 */
export interface ArchivedEvent {
  message_id: string
  type: EventType
  kind: EventKind
  name: string | null
  user_id: string | null
  anonymous_id: string | null
  /** The account the rollups count the event under: its own group, else the user's at the time. */
  account_id: string | null
  feature_key: string | null
  amount: number | null
  meaningful: boolean
  active_seconds: number
  app_version: string | null
  /** Event time (ms, skew-corrected) and receive time (ms). */
  ts: number
  received_at: number
  properties: Record<string, unknown>
  context: Record<string, unknown>
}
