import { archivePrefix, gunzip, parseArchive, type ArchivedEvent } from './archive'

/** One page of archive objects, in key order (day, then write time): their events and where to go on. */
export interface ArchivePage {
  events: ArchivedEvent[]
  objects: number
  /** Pass back to read the next page; null at the end. */
  cursor: string | null
}

/**
 * Reads up to `maxObjects` archive objects of a project (optionally one day) after `cursor`: bounded in
 * objects per call, so a reader walks any archive size page by page. Events as written (at least once:
 * dedupe on `message_id` when counting).
 */
export async function readArchivePage(
  bucket: R2Bucket,
  projectId: string,
  opts: { day?: string; cursor?: string | null; maxObjects?: number } = {},
): Promise<ArchivePage> {
  const listed = await bucket.list({
    prefix: archivePrefix(projectId, opts.day),
    cursor: opts.cursor ?? undefined,
    limit: Math.min(opts.maxObjects ?? 50, 1000),
  })
  const texts = await Promise.all(
    listed.objects.map(async (o) => {
      const body = await bucket.get(o.key)
      return body ? gunzip(body.body) : ''
    }),
  )
  return {
    events: texts.flatMap(parseArchive),
    objects: listed.objects.length,
    cursor: listed.truncated ? listed.cursor : null,
  }
}

/** Every archived event of a project (or a day), deduplicated on message_id: for tests, exports and small projects only. */
export async function readArchive(bucket: R2Bucket, projectId: string, day?: string): Promise<ArchivedEvent[]> {
  const seen = new Map<string, ArchivedEvent>()
  let cursor: string | null = null
  do {
    const page: ArchivePage = await readArchivePage(bucket, projectId, { day, cursor, maxObjects: 500 })
    for (const e of page.events) if (!seen.has(e.message_id)) seen.set(e.message_id, e)
    cursor = page.cursor
  } while (cursor)
  return [...seen.values()].sort((a, b) => a.ts - b.ts)
}
