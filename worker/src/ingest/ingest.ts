import type { EventType, IngestResult } from '../../../shared/events'
import { assertWriteKey, keyFromAuthorization, resolveKey } from '../auth/middleware'
import { cachedFeatureIndex } from '../db/features'
import { writeIngest } from '../db/ingest'
import { applyNudgeInteractions } from '../db/nudge-interactions'
import { nudgeInteractions } from '../nudges/interactions'
import { ApiError } from '../errors'
import { toEventRow } from './normalize'
import { parseIngestBody } from './parse'
import { planIngest } from './plan'

/** The whole ingest path for one request body: parse, authenticate, normalise, write. */
export async function ingest(
  db: D1Database,
  body: string,
  authorization: string | undefined,
  singleType?: EventType,
  receivedAt = Date.now(),
): Promise<IngestResult> {
  const parsed = parseIngestBody(body, singleType)
  const key = assertWriteKey(await resolveKey(db, keyFromAuthorization(authorization) ?? parsed.writeKey))
  if (parsed.events.length === 0) {
    throw new ApiError(400, 'no_valid_events', 'No event in the request was valid', parsed.rejected)
  }
  const features = await cachedFeatureIndex(db, key.projectId)
  const rows = parsed.events.map(({ event }) =>
    toEventRow(event, { envelopeSentAt: parsed.sentAt, receivedAt, features, newId: () => crypto.randomUUID() }),
  )
  const written = await writeIngest(db, key.projectId, planIngest(rows), receivedAt)
  await applyNudgeInteractions(db, key.projectId, nudgeInteractions(rows.filter((r) => written.insertedIds.has(r.messageId))), receivedAt)
  return { success: true, accepted: written.inserted, duplicates: written.duplicates, rejected: parsed.rejected }
}
