import { rawWindowStart } from '../ingest'
import { buildFeatureIndex } from './classify'
import {
  findRebuildJob,
  leaseRebuildJob,
  readEventPage,
  releaseRebuildLease,
  startRebuildStatement as insertJobStatement,
  writeRebuildPage,
} from './retag-store'
import { progressOf, retagPage, type RebuildJob, type RebuildProgress } from './retag'
import { listFeatures } from './store'

/**
 * Re-tagging after a feature's rules change, as a resumable job (one row per project in
 * `feature_rebuilds`): raw events inside the retention window are walked in (ts, rowid) order, a page
 * at a time; each page re-classifies its track events with the current rules, writes only the rows whose
 * tags changed (one UPDATE for the page) and rebuilds the rollups of just the (user, day) pairs those rows
 * belong to. The first page runs in the request; the rest in its waitUntil, on later feature requests and
 * in the daily run. A lease keeps one worker on a project's job at a time.
 */

/** Raw events read per page: one SELECT, at most one UPDATE and six rollup statements per page. */
export const REBUILD_PAGE = 1000
const LEASE_MS = 60_000
/** Events ingested this long after a rules change may still carry the old tags (ingest caches rules 10 s). */
const STALE_INGEST_MS = 60_000

/** Records (or restarts) the project's job over the raw event window; run it in the batch of the rules change. */
export const startRebuildStatement = (db: D1Database, projectId: string, now: number) =>
  insertJobStatement(db, projectId, rawWindowStart(now), now)

export async function rebuildProgress(db: D1Database, projectId: string): Promise<RebuildProgress | null> {
  const job = await findRebuildJob(db, projectId)
  return job && progressOf(job)
}

/** One page of the job under the caller's lease; returns the job as it stands afterwards (null: restarted meanwhile). */
async function runPage(db: D1Database, projectId: string, job: RebuildJob, now: number, pageSize: number): Promise<RebuildJob | null> {
  const floor = rawWindowStart(now)
  // raw events before the retention floor are being purged: never rebuild a day from a partial set
  const from = job.cursorTs < floor ? { ts: floor, rowid: -1 } : { ts: job.cursorTs, rowid: job.cursorRowid }
  const [features, rows] = await Promise.all([
    listFeatures(db, projectId),
    readEventPage(db, projectId, from, job.startedAt + STALE_INGEST_MS, pageSize),
  ])
  const { updates, pairs } = retagPage(rows, buildFeatureIndex(features))
  const last = rows[rows.length - 1]
  const written = Date.now()
  return writeRebuildPage(db, projectId, {
    generation: job.generation,
    updates,
    pairs,
    cursor: last ? { ts: last.ts, rowid: last.rowid } : from,
    walked: rows.length,
    finished: rows.length < pageSize,
    now: written,
    leaseUntil: written + LEASE_MS,
  })
}

export interface AdvanceOptions {
  maxPages?: number
  budgetMs?: number
  pageSize?: number
}

/**
 * Runs pages of the project's job while it holds the lease, until done, `maxPages` or `budgetMs`.
 * Returns the progress afterwards (null: no job), and whether this call got to work at all.
 */
export async function advanceRebuild(db: D1Database, projectId: string, opts: AdvanceOptions = {}) {
  const { maxPages = Infinity, budgetMs = 20_000, pageSize = REBUILD_PAGE } = opts
  const started = Date.now()
  let job = await leaseRebuildJob(db, projectId, started, started + LEASE_MS)
  if (!job) return { worked: false, progress: await rebuildProgress(db, projectId) }
  const token = job.leaseUntil
  let leaseToken = token
  try {
    for (let pages = 0; job && job.status === 'running' && pages < maxPages && Date.now() - started < budgetMs; pages++) {
      const next: RebuildJob | null = await runPage(db, projectId, job, Date.now(), pageSize)
      if (next) leaseToken = next.leaseUntil
      // null: a newer rules change restarted the job; re-read it and walk again
      job = next ?? (await findRebuildJob(db, projectId))
    }
  } finally {
    await releaseRebuildLease(db, projectId, [token, leaseToken])
  }
  return { worked: true, progress: await rebuildProgress(db, projectId) }
}

/**
 * Background continuation (waitUntil, daily run): keeps advancing within `budgetMs`, waiting briefly for
 * a lease another worker holds, so a job is never left unattended while someone is about to hand it over.
 */
export async function continueRebuild(
  db: D1Database,
  projectId: string,
  budgetMs = 25_000,
  pageSize = REBUILD_PAGE,
): Promise<RebuildProgress | null> {
  const deadline = Date.now() + budgetMs
  for (;;) {
    const { worked, progress: p } = await advanceRebuild(db, projectId, { budgetMs: deadline - Date.now(), pageSize })
    if (!p || p.status === 'done' || Date.now() >= deadline - 1000) return p
    if (!worked) await new Promise((r) => setTimeout(r, 1000))
  }
}
