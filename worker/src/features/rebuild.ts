import { archivePrefix, gunzip, parseArchive, rawWindowStart, type ArchivedEvent } from '../ingest'
import { dayOf } from '../lib/days'
import type { Feature } from '../../../shared/features'
import { buildFeatureIndex } from './classify'
import { refreshUserContexts } from '../nudges'
import {
  contextUsers,
  findRebuildJob,
  leaseRebuildJob,
  readCountedBy,
  readRuleSnapshots,
  readShardTagState,
  readTagVersions,
  releaseRebuildLease,
  startRebuildStatements as insertJobStatements,
  writeRebuildPage,
  writeShardRetag,
  type ShardPage,
} from './retag-store'
import {
  archiveKeyParts,
  progressOf,
  registryTags,
  retagDelta,
  sameTags,
  writtenTags,
  type EventTags,
  type RebuildJob,
  type RebuildProgress,
  type TagEvent,
} from './retag'
import { listFeatures } from './store'
import { directoryAccounts, lineShard, projectState, type ProjectState, type StateEnv } from '../shards'

/**
 * Re-tagging after a feature's rules change, as a resumable job (one row per project in `feature_rebuilds`) over
 * the R2 raw-event archive: its objects inside the raw window are walked in key order (day, then write time), a
 * bounded page at a time. Each object's events are classified under the rules they are counted under now (the
 * tags written in its lines, or the rules snapshot of the generation a previous job moved it to) and under the
 * current rules; the difference is added to the rollups (they are sums), and the object's new generation and the
 * job's cursor are written in the same D1 batch. Objects the consumer already tagged under the current rules are
 * not read. The users whose feature use a page changed lose their decision context in that batch and get it
 * rewritten right after. The first page runs in the request; the rest in its waitUntil, on later feature requests
 * and in the daily run. A lease keeps one worker on a project's job at a time.
 */

/** Archived events per page at most (a page takes whole objects, at least one). */
export const REBUILD_PAGE = 5000
/** Archive objects per page at most: one R2 list, at most this many gets, two D1 reads and one D1 write batch. */
export const REBUILD_OBJECTS = 50
/** Keys the count pass lists per page (R2's list maximum) until `total` is complete. */
const COUNT_PAGE = 1000
const LEASE_MS = 60_000
/** An object this young whose events have no dedupe row yet may be mid-write (put, D1 not committed): the job waits for it. */
const IN_FLIGHT_MS = 120_000
/** Dedupe keys (event_ids) live at least this long after their write (DEDUPE_DAYS = 8 after the receipt day): past it, a key may be gone. */
const EVENT_IDS_KEPT_MS = 7 * 86_400_000

/** What the job reads and writes: D1 (the job; the rollups too unless the project is sharded), its shards and the archive bucket. */
export interface RebuildEnv extends StateEnv {
  DB: D1Database
  RAW_EVENTS: R2Bucket
}

/** Records (or restarts) the project's job over the raw window and snapshots the rules; run them in the batch of the rules change. */
export const startRebuildStatements = (db: D1Database, projectId: string, now: number) =>
  insertJobStatements(db, projectId, rawWindowStart(now), now)

export async function rebuildProgress(db: D1Database, projectId: string): Promise<RebuildProgress | null> {
  const job = await findRebuildJob(db, projectId)
  return job && progressOf(job)
}

/** R2 list options with `include` (in the runtime since the 2022-08-04 compatibility date; the default types predate it). */
const listing = (opts: R2ListOptions & { include: 'customMetadata'[] }): R2ListOptions => opts

const eventsOf = (o: R2Object) => Number(o.customMetadata?.events ?? 0) || 0
/** The rules generation the consumer tagged an object with (-1: not recorded). */
const writtenGeneration = (o: R2Object) => (o.customMetadata?.rules === undefined ? -1 : Number(o.customMetadata.rules))
/** Progress counts the objects that existed when the rules changed; later ones are walked too but are not in `total`. */
const inTotal = (key: string, startedAt: number) => (archiveKeyParts(key)?.writtenAt ?? 0) <= startedAt

const toTagEvent = (e: ArchivedEvent): TagEvent => ({
  type: e.type,
  name: e.name,
  userId: e.user_id,
  accountId: e.account_id,
  ts: e.ts,
  properties: e.properties ?? {},
  written: { kind: e.kind as TagEvent['written']['kind'], featureKey: e.feature_key, amount: e.amount, meaningful: e.meaningful },
})

async function readObject(bucket: R2Bucket, key: string): Promise<ArchivedEvent[]> {
  const body = await bucket.get(key)
  return body ? parseArchive(await gunzip(body.body)) : []
}

/** One page of the job under the caller's lease: the job afterwards (null: restarted or moved meanwhile), and whether it moved. */
/** The tags of each rules generation a page meets, built once: a kept snapshot, or the live features for the job's own. */
function rulesLoader(db: D1Database, projectId: string, current: number, snapshots: Map<number, Feature[]>) {
  const tagsOf = new Map<number, EventTags>()
  return async (generation: number): Promise<EventTags> => {
    let tags = tagsOf.get(generation)
    if (!tags) {
      const features = snapshots.get(generation) ?? (generation === current ? await listFeatures(db, projectId) : null)
      // a generation a moved object names is snapshotted until a finished walk moved every object past it
      if (!features) throw new Error(`re-tagging: no rules snapshot of generation ${generation} for ${projectId}`)
      tags = registryTags(buildFeatureIndex(features))
      tagsOf.set(generation, tags)
    }
    return tags
  }
}

async function runPage(
  env: RebuildEnv,
  projectId: string,
  job: RebuildJob,
  pageSize: number,
): Promise<{ job: RebuildJob | null; moved: boolean }> {
  const { DB: db, RAW_EVENTS: bucket } = env
  const { floorKey, count, listed, chosen } = await listPage(bucket, projectId, job, pageSize)
  const { versions, snapshots } = await readTagVersions(
    db,
    projectId,
    chosen.map((o) => o.key),
  )
  const rulesOf = rulesLoader(db, projectId, job.generation, snapshots)
  const after = await rulesOf(job.generation)
  // objects already counted under the current rules (tagged by the consumer after the change, or moved by this job) are not read
  const toRead = chosen.filter((o) => (versions.get(o.key) ?? writtenGeneration(o)) !== job.generation)
  const bodies = await Promise.all(toRead.map(async (o) => [o.key, await readObject(bucket, o.key)] as const))
  // per object read: its events whose tags the new rules change, with the rules they are counted under now
  const changed = new Map<string, { line: ArchivedEvent; event: TagEvent; before: EventTags }[]>()
  for (const [key, events] of bodies) {
    const version = versions.get(key)
    const before = version === undefined ? writtenTags : await rulesOf(version)
    const list = []
    for (const line of events) {
      if (line.type !== 'track') continue
      const event = toTagEvent(line)
      if (!sameTags(before(event), after(event))) list.push({ line, event, before })
    }
    changed.set(key, list)
  }
  // only a changing line's counts matter: whose write counted it (event_ids)
  const countedBy = await readCountedBy(
    db,
    projectId,
    [...changed.values()].flatMap((list) => list.map((c) => c.line.message_id)),
  )
  const now = Date.now()
  const beforeOf = new Map<TagEvent, EventTags>()
  const moved: string[] = []
  let walked = 0
  let cursorKey = job.cursorKey
  let stopped = false
  for (const o of chosen) {
    const list = changed.get(o.key)
    if (list) {
      const parts = archiveKeyParts(o.key)
      // put to R2 but not yet counted in D1: its delta would go before (or without) its own counts; come back later
      if (parts && now - parts.writtenAt < IN_FLIGHT_MS && list.some((c) => !countedBy.has(c.line.message_id))) {
        stopped = true
        break
      }
      // the rollups hold a line only if this object's write counted it (event_ids names its ingest id): not a
      // retried put another write counted, nor a write that never committed. Past the dedupe window its key may be
      // gone (purged), or name a resend that came later and was counted again: then this write counted it too.
      const expired = (at: number) => !parts || at - parts.writtenAt > EVENT_IDS_KEPT_MS
      for (const { line, event, before } of list) {
        const by = countedBy.get(line.message_id)
        if (by === undefined ? expired(now) : by.ingestId === parts?.ingestId || expired(by.receivedAt)) beforeOf.set(event, before)
      }
      moved.push(o.key)
    }
    if (inTotal(o.key, job.startedAt)) walked += eventsOf(o)
    cursorKey = o.key
  }
  const delta = retagDelta(beforeOf.keys(), (e) => beforeOf.get(e)!(e), after)
  const finished = !stopped && chosen.length === listed.objects.length && !listed.truncated
  const written = Date.now()
  const next = await writeRebuildPage(db, projectId, {
    generation: job.generation,
    from: job.cursorKey,
    delta,
    moved,
    cursorKey,
    count,
    walked,
    finished,
    floorKey,
    now: written,
    leaseUntil: written + LEASE_MS,
  })
  // the page removed these users' decision contexts with its delta: rewritten from the new rollups (at most one
  // per event of the page); if this fails, each user's next decision reads the rows and writes theirs
  const users = next ? contextUsers(delta) : []
  if (users.length)
    await refreshUserContexts(db, db, projectId, users, written).catch((e) =>
      console.warn('re-tagging: user contexts not refreshed', String((e as Error)?.message ?? e)),
    )
  return { job: next, moved: cursorKey !== job.cursorKey || finished }
}

/** The page's listing and count pass, shared by both layouts. */
async function listPage(bucket: R2Bucket, projectId: string, job: RebuildJob, pageSize: number) {
  const prefix = archivePrefix(projectId)
  // keys of earlier days sort before the window's first day (`raw/<p>/<day>` is a prefix of its keys)
  const floorKey = archivePrefix(projectId, dayOf(job.sinceTs)).slice(0, -1)
  const [counting, listed] = await Promise.all([
    job.counted
      ? null
      : bucket.list(listing({ prefix, startAfter: job.countKey ?? floorKey, limit: COUNT_PAGE, include: ['customMetadata'] })),
    bucket.list(listing({ prefix, startAfter: job.cursorKey ?? floorKey, limit: REBUILD_OBJECTS, include: ['customMetadata'] })),
  ])
  const count = counting && {
    added: counting.objects.filter((o) => inTotal(o.key, job.startedAt)).reduce((n, o) => n + eventsOf(o), 0),
    key: counting.objects.at(-1)?.key ?? job.countKey,
    ended: !counting.truncated,
  }
  // whole objects up to the page's event bound (at least one)
  const chosen: R2Object[] = []
  for (let n = 0, i = 0; i < listed.objects.length; i++) {
    const o = listed.objects[i]
    if (chosen.length && n + eventsOf(o) > pageSize) break
    chosen.push(o)
    n += eventsOf(o)
  }
  return { floorKey, count, listed, chosen }
}

/**
 * One page of a sharded project's job: an object's lines are counted in several shards, so each shard keeps its own
 * tag generation of the object (`archive_tag_versions` there) and takes its lines' delta with it in one transaction,
 * guarded by the generations it read. Shards are written first (in parallel), the D1 cursor after all of them: a crash
 * in between repeats the page, and a shard already at the current generation adds nothing again.
 */
async function runShardedPage(
  env: RebuildEnv,
  state: ProjectState,
  job: RebuildJob,
  pageSize: number,
): Promise<{ job: RebuildJob | null; moved: boolean }> {
  const { DB: db, RAW_EVENTS: bucket } = env
  const projectId = state.projectId
  const { floorKey, count, listed, chosen } = await listPage(bucket, projectId, job, pageSize)
  const snapshots = await readRuleSnapshots(db, projectId)
  const rulesOf = rulesLoader(db, projectId, job.generation, snapshots)
  const after = await rulesOf(job.generation)
  // every rule set a shard may count an object's lines under: the written tags or a kept snapshot
  const befores = [writtenTags, ...(await Promise.all([...snapshots.keys()].map(rulesOf)))]
  // tag generations are per shard, so only the consumer's own (metadata) lets an object go unread
  const toRead = chosen.filter((o) => writtenGeneration(o) !== job.generation)
  const bodies = new Map(await Promise.all(toRead.map(async (o) => [o.key, await readObject(bucket, o.key)] as const)))
  type Line = { line: ArchivedEvent; event: TagEvent; shard: number }
  const tracks = new Map<string, Line[]>()
  const keysOf = new Map<number, Set<string>>()
  const idsOf = new Map<number, string[]>()
  for (const [key, events] of bodies) {
    const list: Line[] = []
    for (const line of events) {
      if (line.type !== 'track') continue
      const event = toTagEvent(line)
      const shard = lineShard(state, line)
      list.push({ line, event, shard })
      if (!keysOf.has(shard)) keysOf.set(shard, new Set())
      keysOf.get(shard)!.add(key)
      // a line's dedupe key matters only if some rule set it may be counted under tags it otherwise
      if (befores.every((before) => sameTags(before(event), after(event)))) continue
      idsOf.set(shard, [...(idsOf.get(shard) ?? []), line.message_id])
    }
    tracks.set(key, list)
  }
  // one read batch per shard: its generations of the objects, its dedupe keys of the lines that may change
  const shards = [...keysOf.keys()].sort((a, b) => a - b)
  const reads = await Promise.all(shards.map((i) => readShardTagState(state.shard(i), projectId, [...keysOf.get(i)!], idsOf.get(i) ?? [])))
  const versionsOf = new Map(shards.map((i, n) => [i, reads[n].versions]))
  const countedBy = new Map(reads.flatMap((r) => [...r.countedBy]))
  const now = Date.now()
  const beforeOf = new Map<number, Map<TagEvent, EventTags>>()
  const movedOf = new Map<number, [string, number | null][]>()
  let walked = 0
  let cursorKey = job.cursorKey
  let stopped = false
  for (const o of chosen) {
    const list = tracks.get(o.key)
    if (list) {
      const parts = archiveKeyParts(o.key)
      // this object's lines by shard, each under the generation that shard counts them under now
      const changed: (Line & { before: EventTags })[] = []
      const moving: [number, number | null][] = []
      for (const shard of new Set(list.map((l) => l.shard))) {
        const version = versionsOf.get(shard)?.get(o.key)
        // this shard took its lines' delta already (a page repeated after a crash): nothing to add again
        if (version === job.generation) continue
        moving.push([shard, version ?? null])
        const before = version === undefined ? writtenTags : await rulesOf(version)
        for (const l of list) if (l.shard === shard && !sameTags(before(l.event), after(l.event))) changed.push({ ...l, before })
      }
      if (parts && now - parts.writtenAt < IN_FLIGHT_MS && changed.some((c) => !countedBy.has(c.line.message_id))) {
        stopped = true
        break
      }
      // as in runPage: a line counts only where this object's write counted it
      const expired = (at: number) => !parts || at - parts.writtenAt > EVENT_IDS_KEPT_MS
      for (const { line, event, before, shard } of changed) {
        const by = countedBy.get(line.message_id)
        if (by === undefined ? expired(now) : by.ingestId === parts?.ingestId || expired(by.receivedAt)) {
          if (!beforeOf.has(shard)) beforeOf.set(shard, new Map())
          beforeOf.get(shard)!.set(event, before)
        }
      }
      for (const [shard, version] of moving) movedOf.set(shard, [...(movedOf.get(shard) ?? []), [o.key, version]])
    }
    if (inTotal(o.key, job.startedAt)) walked += eventsOf(o)
    cursorKey = o.key
  }
  const finished = !stopped && chosen.length === listed.objects.length && !listed.truncated
  const pages = new Map<number, ShardPage>()
  for (const [shard, moved] of movedOf) {
    const before = beforeOf.get(shard) ?? new Map<TagEvent, EventTags>()
    const delta = retagDelta(before.keys(), (e) => before.get(e)!(e), after)
    pages.set(shard, { generation: job.generation, delta, moved, floorKey: null })
  }
  // the last page also clears every shard's generations of objects before the window (one more write per untouched shard, once per job)
  if (finished)
    for (const { index } of state.all()) {
      const own: ShardPage = pages.get(index) ?? {
        generation: job.generation,
        delta: retagDelta([], writtenTags, writtenTags),
        moved: [],
        floorKey,
      }
      pages.set(index, { ...own, floorKey })
    }
  // shards first (each one transaction, in parallel); a failure throws before the cursor moves, and the retry skips the shards done
  await Promise.all([...pages].map(([shard, page]) => writeShardRetag(state.shard(shard), projectId, page)))
  const retagged = [...pages.values()].reduce((n, p) => n + p.delta.retagged, 0)
  const written = Date.now()
  const next = await writeRebuildPage(db, projectId, {
    generation: job.generation,
    from: job.cursorKey,
    delta: { retagged, features: [], days: [], eventAmounts: [] },
    moved: [],
    cursorKey,
    count,
    walked,
    finished,
    floorKey,
    now: written,
    leaseUntil: written + LEASE_MS,
  })
  // the users whose feature use changed lost their contexts in their shards' writes: rewritten on each user's home
  // shard (the directory's account: a user who moved keeps older rollups on the old account's shard)
  const changedOn = new Map<string, number>()
  for (const [shard, page] of pages) for (const u of contextUsers(page.delta)) changedOn.set(u, shard)
  if (next && changedOn.size)
    await (async () => {
      const home = await directoryAccounts(db, projectId, [...changedOn.keys()])
      // a user the directory does not know (written before it existed) stays where their rollups are
      const byShard = new Map<number, string[]>()
      for (const [u, shard] of changedOn) {
        const at = home.has(u) ? state.indexOf(home.get(u), u) : shard
        byShard.set(at, [...(byShard.get(at) ?? []), u])
      }
      await Promise.all([...byShard].map(([shard, users]) => refreshUserContexts(db, state.shard(shard), projectId, users, written)))
    })().catch((e) => console.warn('re-tagging: user contexts not refreshed', String((e as Error)?.message ?? e)))
  return { job: next, moved: cursorKey !== job.cursorKey || finished }
}

export interface AdvanceOptions {
  maxPages?: number
  budgetMs?: number
  /** Archived events per page at most (whole objects, at least one). */
  pageSize?: number
}

/**
 * Runs pages of the project's job while it holds the lease, until done, `maxPages`, `budgetMs` or an object
 * still being written. Returns the progress afterwards (null: no job), and whether this call got to work at all.
 */
export async function advanceRebuild(env: RebuildEnv, projectId: string, opts: AdvanceOptions = {}) {
  const { maxPages = Infinity, budgetMs = 20_000, pageSize = REBUILD_PAGE } = opts
  const db = env.DB
  const started = Date.now()
  let job = await leaseRebuildJob(db, projectId, started, started + LEASE_MS)
  if (!job) return { worked: false, stalled: false, progress: await rebuildProgress(db, projectId) }
  const token = job.leaseUntil
  let leaseToken = token
  let state: ProjectState | undefined
  let stalled = false
  try {
    for (let pages = 0; job && job.status === 'running' && pages < maxPages && Date.now() - started < budgetMs; pages++) {
      state ??= await projectState(env, projectId)
      const page: { job: RebuildJob | null; moved: boolean } = state.sharded
        ? await runShardedPage(env, state, job, pageSize)
        : await runPage(env, projectId, job, pageSize)
      if (page.job) leaseToken = page.job.leaseUntil
      // an object mid-write: later (the next look at the registry, the background run, the daily run)
      stalled = page.job !== null && !page.moved
      if (stalled) break
      // null: a newer rules change restarted the job; re-read it and walk again
      job = page.job ?? (await findRebuildJob(db, projectId))
    }
  } finally {
    await releaseRebuildLease(db, projectId, [token, leaseToken])
  }
  return { worked: true, stalled, progress: await rebuildProgress(db, projectId) }
}

/**
 * Background continuation (waitUntil, daily run): keeps advancing within `budgetMs`, waiting briefly for
 * a lease another worker holds, so a job is never left unattended while someone is about to hand it over.
 */
export async function continueRebuild(
  env: RebuildEnv,
  projectId: string,
  budgetMs = 25_000,
  pageSize = REBUILD_PAGE,
): Promise<RebuildProgress | null> {
  const deadline = Date.now() + budgetMs
  // a write between its archive put and its D1 commit takes well under a second: a couple of looks, then later
  for (let stalls = 0; ;) {
    const { progress: p, stalled } = await advanceRebuild(env, projectId, { budgetMs: deadline - Date.now(), pageSize })
    if (!p || p.status === 'done' || Date.now() >= deadline - 1000 || (stalled && ++stalls > 2)) return p
    await new Promise((r) => setTimeout(r, 1000))
  }
}
