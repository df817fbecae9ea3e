import type { ArchivedEvent } from '../../../shared/archive'
import { bloomOf } from '../lib/bloom'
import { dayOf } from '../lib/days'
import type { EventRow } from './normalize'

/**
 * The raw-event archive in R2, also the warehouse export (README: Raw event archive):
 * `raw/<project>/<YYYY-MM-DD>/<received ms>-<batch>.ndjson.gz`, one gzip'd NDJSON object per
 * (project, event day, consumer write). Written before the rows are counted, so it is at least once:
 * readers dedupe on `message_id` (a crash between the archive put and the D1 commit writes a line twice).
 */
export type { ArchivedEvent }

export const ARCHIVE_PREFIX = 'raw/'

/** `raw/<project>/` or `raw/<project>/<day>/`: where a reader lists. */
export const archivePrefix = (projectId: string, day?: string) => `${ARCHIVE_PREFIX}${projectId}/${day ? `${day}/` : ''}`

export function toArchived(row: EventRow, receivedAt: number): ArchivedEvent {
  return {
    message_id: row.messageId,
    type: row.type,
    kind: row.kind,
    name: row.name,
    user_id: row.userId,
    anonymous_id: row.anonymousId,
    account_id: row.accountId,
    feature_key: row.featureKey,
    amount: row.amount,
    meaningful: row.meaningful,
    active_seconds: row.activeSeconds,
    app_version: row.appVersion,
    ts: row.ts,
    received_at: receivedAt,
    properties: row.properties,
    context: row.context,
  }
}

export interface ArchiveObject {
  key: string
  day: string
  events: number
  ndjson: string
  /** Bloom filter of the object's `archiveTerms` (custom metadata `who`): erasure skips objects that cannot hold its person. */
  who: string | null
}

/** What a line can be found by without reading the object: its user, anonymous id and account. */
export function archiveTerms(e: Pick<ArchivedEvent, 'user_id' | 'anonymous_id' | 'account_id'>): string[] {
  const out: string[] = []
  if (e.user_id !== null) out.push(whoTerm.user(e.user_id))
  if (e.anonymous_id !== null) out.push(whoTerm.anonymous(e.anonymous_id))
  if (e.account_id !== null) out.push(whoTerm.account(e.account_id))
  return out
}

/** The filter's item for a user, an anonymous id or an account (prefixed so an id of one kind never matches another). */
export const whoTerm = {
  user: (id: string) => `u:${id}`,
  anonymous: (id: string) => `a:${id}`,
  account: (id: string) => `c:${id}`,
}

/** The objects one consumer write adds: rows grouped by their event day, in time order within a day. */
export function archiveObjects(
  projectId: string,
  rows: { row: EventRow; receivedAt: number }[],
  batchId: string,
  writtenAt: number,
): ArchiveObject[] {
  const byDay = new Map<string, ArchivedEvent[]>()
  for (const { row, receivedAt } of rows) {
    const day = dayOf(row.ts)
    const list = byDay.get(day) ?? []
    list.push(toArchived(row, receivedAt))
    byDay.set(day, list)
  }
  return [...byDay.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, events]) => ({
      key: `${archivePrefix(projectId, day)}${writtenAt}-${batchId}.ndjson.gz`,
      day,
      events: events.length,
      who: bloomOf(events.flatMap(archiveTerms)),
      ndjson: events
        .sort((a, b) => a.ts - b.ts)
        .map((e) => JSON.stringify(e))
        .join('\n')
        .concat('\n'),
    }))
}

/** Parses one archive object's NDJSON; a line that is not an event object is skipped (the archive is append-only). */
export function parseArchive(ndjson: string): ArchivedEvent[] {
  const out: ArchivedEvent[] = []
  for (const line of ndjson.split('\n')) {
    if (!line) continue
    try {
      const e = JSON.parse(line) as ArchivedEvent
      if (e && typeof e === 'object' && typeof e.message_id === 'string' && typeof e.ts === 'number') out.push(e)
    } catch {
      // a torn line cannot come from our writer (objects are put whole); skip rather than fail a rebuild
    }
  }
  return out
}

// CompressionStream is the Workers runtime's gzip (developers.cloudflare.com/workers/runtime-apis/web-standards/#compression-streams)
export async function gzip(text: string): Promise<ArrayBuffer> {
  return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
}

export async function gunzip(body: ReadableStream | ArrayBuffer): Promise<string> {
  const stream = body instanceof ArrayBuffer ? new Blob([body]).stream() : body
  return new Response(stream.pipeThrough(new DecompressionStream('gzip'))).text()
}
