import { archivePrefix, gunzip, parseArchive } from '../ingest'
import { dayOf } from '../lib/days'
import type { StoredClickRow } from './preview'

/** Most stored clicks one preview reads: bounded work per request, whatever the project's size. */
export const PREVIEW_PAGE = 5000
/** Most raw-archive objects one preview opens (newest days first). */
export const PREVIEW_OBJECTS = 100
/** Archive objects fetched at once. */
const PARALLEL_GETS = 10

export interface RecentClicks {
  clicks: StoredClickRow[]
  /** `$click` events found in the objects read (at least `clicks.length`). */
  total: number
  /** The start of the oldest day read (whole or in part): `since` when every day of the window was read whole. */
  from: number
}

/**
 * The newest archived `$click` events since `since` (their element path and page), read from the R2 raw-event
 * archive newest day first, at most PREVIEW_OBJECTS objects and PREVIEW_PAGE clicks (deduplicated on messageId:
 * the archive is at least once). `from` says how far back it got.
 */
export async function recentClicks(bucket: R2Bucket, projectId: string, since: number): Promise<RecentClicks> {
  const prefix = archivePrefix(projectId)
  // the window's days, by their prefix (`raw/<p>/<day>/`); keys of earlier days sort before `raw/<p>/<first day>`
  const listed = await bucket.list({ prefix, delimiter: '/', startAfter: archivePrefix(projectId, dayOf(since)).slice(0, -1), limit: 1000 })
  const days = listed.delimitedPrefixes.sort().reverse()
  const seen = new Set<string>()
  const clicks: StoredClickRow[] = []
  let total = 0
  let objects = 0
  let from = since
  let complete = true
  for (const day of days) {
    if (objects >= PREVIEW_OBJECTS || clicks.length >= PREVIEW_PAGE) {
      complete = false
      break
    }
    from = Date.parse(day.slice(prefix.length, -1))
    let cursor: string | undefined
    do {
      const page = await bucket.list({ prefix: day, cursor, limit: Math.min(1000, PREVIEW_OBJECTS - objects) })
      // newest writes of the day first
      const keys = page.objects.map((o) => o.key).reverse()
      for (let i = 0; i < keys.length; i += PARALLEL_GETS) {
        const texts = await Promise.all(
          keys.slice(i, i + PARALLEL_GETS).map(async (key) => {
            const body = await bucket.get(key)
            return body ? gunzip(body.body) : ''
          }),
        )
        objects += texts.length
        for (const e of texts.flatMap(parseArchive)) {
          if (e.type !== 'track' || e.name !== '$click' || seen.has(e.message_id)) continue
          seen.add(e.message_id)
          total++
          if (clicks.length < PREVIEW_PAGE) clicks.push({ selector: e.properties?.selector, path: e.properties?.path })
        }
      }
      cursor = page.truncated ? page.cursor : undefined
      if (cursor && objects >= PREVIEW_OBJECTS) complete = false
    } while (cursor && objects < PREVIEW_OBJECTS)
  }
  return { clicks, total, from: complete ? since : from }
}
