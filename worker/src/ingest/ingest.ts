import type { EventType } from '../../../shared/events'
import type { IngestResult, RejectedEvent } from '../../../shared/api/ingest'
import type { ApiKey } from '../projects'
import { assertWriteKey, keyFromAuthorization, resolveKey } from '../http/auth'
import { emptyFeatureIndex, trackTagger } from '../features'
import { ApiError } from '../http/errors'
import { DAY_MS } from '../lib/days'
import { LIVE_EVENT_MAX_AGE_DAYS, RAW_RETENTION_DAYS, rawWindowStart } from './raw-window'
import { eventTime, toEventRow, type EventRow, type TimeWindow } from './normalize'
import { parseIngestBody } from './parse'
import { checkTrust, UNVERIFIED } from './trust'

/** `live`: the Segment endpoints and the write key. `import`: backfill with an admin key, over the raw window. */
export type IngestMode = 'live' | 'import'

const WINDOWS: Record<IngestMode, TimeWindow> = {
  live: { oldest: (receivedAt) => receivedAt - LIVE_EVENT_MAX_AGE_DAYS * DAY_MS, label: `${LIVE_EVENT_MAX_AGE_DAYS} days` },
  import: { oldest: rawWindowStart, label: `the ${RAW_RETENTION_DAYS}-day raw event window` },
}

function assertKeyFor(mode: IngestMode, key: ApiKey): ApiKey {
  if (mode === 'live') return assertWriteKey(key)
  if (key.kind !== 'admin') throw new ApiError(401, 'unauthorized', 'Import takes an admin key (sk_…)')
  return key
}

// tags come from the registry when the consumer writes (one rules version per archived object); the edge reads no registry
const untagged = trackTagger(emptyFeatureIndex())

/** A request the edge accepted: the rows to write, and the events refused (index and reasons). */
export interface AcceptedIngest {
  projectId: string
  trusted: boolean
  rows: EventRow[]
  rejected: RejectedEvent[]
}

/**
 * The edge half of ingest for one request body: parse, authenticate, check every event's shape, time and
 * trust. Nothing is written; the caller enqueues the rows (or writes them inline). 400 when none is valid.
 */
export async function acceptIngest(
  db: D1Database,
  body: string,
  authorization: string | undefined,
  singleType?: EventType,
  receivedAt = Date.now(),
  mode: IngestMode = 'live',
): Promise<AcceptedIngest> {
  const parsed = parseIngestBody(body, singleType)
  const key = assertKeyFor(mode, await resolveKey(db, keyFromAuthorization(authorization) ?? parsed.writeKey))
  const timed: { index: number; row: EventRow }[] = []
  const rejected: RejectedEvent[] = [...parsed.rejected]
  for (const { index, event } of parsed.events) {
    const time = eventTime(event, parsed.sentAt, receivedAt, WINDOWS[mode])
    if ('error' in time) rejected.push({ index, messageId: event.messageId, errors: [time.error] })
    else
      timed.push({
        index,
        row: toEventRow(event, {
          envelopeSentAt: parsed.sentAt,
          receivedAt,
          tagTrack: untagged,
          newId: () => crypto.randomUUID(),
          ts: time.ts,
        }),
      })
  }
  const trust = await checkTrust(
    db,
    key,
    timed.map((t) => t.row),
    receivedAt,
  )
  for (const { index, row } of timed) if (trust.refused.has(row)) rejected.push({ index, messageId: row.messageId, errors: [UNVERIFIED] })
  const rows = timed.map((t) => t.row).filter((r) => !trust.refused.has(r))
  rejected.sort((a, b) => a.index - b.index)
  if (rows.length === 0) throw new ApiError(400, 'no_valid_events', 'No event in the request was valid', rejected)
  return { projectId: key.projectId, trusted: trust.trusted, rows, rejected }
}

export type { IngestResult }
