/**
 * Re-tagging policy, pure: which registry changes re-tag stored events, how archived events re-classified
 * under two rule sets change the rollups (deltas), and the job's progress as people see it. SQL: retag-store.ts;
 * the paged, leased job over the R2 archive that runs them: rebuild.ts.
 */
import type { Feature } from '../../../shared/features'
import { dayOf } from '../lib/days'
import { trackTagger, type FeatureIndex, type TrackTags } from './classify'

/** A (user id, day start, day end) whose rollups are recomputed from the hot raw table (erasure). */
export type UserDay = [string, number, number]

/** The re-tagging job of a project, as stored. */
export interface RebuildJob {
  status: 'running' | 'done'
  /** Bumped by each rules change: a page walked under an older generation does not move the cursor. */
  generation: number
  /** The archive walk starts at this day (the raw window when the job started). */
  sinceTs: number
  /** The last archive object walked (null: none yet). */
  cursorKey: string | null
  /** The last archive object counted into `total`; `counted` once the count reached the end. */
  countKey: string | null
  counted: boolean
  total: number
  done: number
  retagged: number
  leaseUntil: number
  startedAt: number
  finishedAt: number | null
}

/** How far the job has got, as the features API reports it (`rebuild`). */
export interface RebuildProgress {
  status: 'running' | 'done'
  done: number
  total: number
  retagged: number
  startedAt: number
  finishedAt: number | null
}

export function progressOf(job: RebuildJob): RebuildProgress {
  const { status, total, retagged, startedAt, finishedAt } = job
  return { status, done: Math.min(job.done, total), total, retagged, startedAt, finishedAt }
}

/**
 * Whether going from `before` to `after` can change how stored events are tagged: creating or deleting a
 * feature (events may name its key), or a change of its rules or kind. Name and `core` never do.
 */
export function changesTagging(before: Feature | null, after: Feature | null): boolean {
  if (!before || !after) return before !== after
  return before.kind !== after.kind || JSON.stringify(before.rules) !== JSON.stringify(after.rules)
}

// ---- deltas over the archive --------------------------------------------------------------------------

/** An archived event as re-tagging reads it: its identity and the tags its line was written with. */
export interface TagEvent {
  type: string
  name: string | null
  userId: string | null
  accountId: string | null
  ts: number
  properties: Record<string, unknown>
  written: TrackTags
}

/** The tags an event is counted under in some rule set. */
export type EventTags = (e: TagEvent) => TrackTags

/** The tags as the line was written (the rules the consumer used). */
export const writtenTags: EventTags = (e) => e.written

/** The tags a registry gives (trackTagger of a FeatureIndex). */
export function registryTags(index: FeatureIndex): EventTags {
  const tag = trackTagger(index)
  return (e) => (e.name === null ? e.written : tag(e.name, e.properties))
}

/**
 * What re-tagging adds to the rollups: [user, feature key, day, account, n, amount] for user_feature_days,
 * [user, day, meaningful, logins, value_events, value_amount] for user_days' tag-dependent columns and
 * [user, event name, day, amount] for user_event_days' amount. Entries that net to zero are left out.
 */
export interface RollupDelta {
  /** Events whose tags differ between the two rule sets (with or without a user). */
  retagged: number
  features: [string, string, string, string | null, number, number][]
  days: [string, string, number, number, number, number][]
  eventAmounts: [string, string, string, number][]
}

/** Whether two taggings of an event are the same (nothing to re-tag). */
export const sameTags = (a: TrackTags, b: TrackTags) =>
  a.kind === b.kind && a.featureKey === b.featureKey && a.amount === b.amount && a.meaningful === b.meaningful

/**
 * The rollup change of counting `events` under `after` instead of `before`: rollups are sums, so the
 * contribution under `before` is taken away and the one under `after` added, per (user, key, day). Only
 * track events are tagged, and only events with a user are in the rollups. Pure.
 */
export function retagDelta(events: Iterable<TagEvent>, before: EventTags, after: EventTags): RollupDelta {
  const features = new Map<string, [string, string, string, string | null, number, number]>()
  const days = new Map<string, [string, string, number, number, number, number]>()
  const amounts = new Map<string, [string, string, string, number]>()
  let retagged = 0
  const addFeature = (user: string, key: string | null, day: string, account: string | null, sign: number, amount: number | null) => {
    if (key === null) return
    const k = `${user}\u0000${key}\u0000${day}`
    const entry = features.get(k) ?? [user, key, day, null, 0, 0]
    entry[3] ??= account
    entry[4] += sign
    entry[5] += sign * (amount ?? 0)
    features.set(k, entry)
  }
  for (const e of events) {
    if (e.type !== 'track' || e.name === null) continue
    const old = before(e)
    const now = after(e)
    if (sameTags(old, now)) continue
    retagged++
    if (e.userId === null) continue
    const day = dayOf(e.ts)
    addFeature(e.userId, old.featureKey, day, e.accountId, -1, old.amount)
    addFeature(e.userId, now.featureKey, day, e.accountId, 1, now.amount)
    const dk = `${e.userId}\u0000${day}`
    const d = days.get(dk) ?? [e.userId, day, 0, 0, 0, 0]
    d[2] += Number(now.meaningful) - Number(old.meaningful)
    d[3] += Number(now.kind === 'login') - Number(old.kind === 'login')
    d[4] += Number(now.kind === 'value') - Number(old.kind === 'value')
    d[5] += (now.kind === 'value' ? (now.amount ?? 0) : 0) - (old.kind === 'value' ? (old.amount ?? 0) : 0)
    days.set(dk, d)
    const ak = `${e.userId}\u0000${e.name}\u0000${day}`
    const a = amounts.get(ak) ?? [e.userId, e.name, day, 0]
    a[3] += (now.amount ?? 0) - (old.amount ?? 0)
    amounts.set(ak, a)
  }
  return {
    retagged,
    features: [...features.values()].filter((f) => f[4] !== 0 || f[5] !== 0),
    days: [...days.values()].filter((d) => d[2] !== 0 || d[3] !== 0 || d[4] !== 0 || d[5] !== 0),
    eventAmounts: [...amounts.values()].filter((a) => a[3] !== 0),
  }
}

/**
 * The ingest id in an archive key (`raw/<project>/<day>/<written ms>-<ingest id>.ndjson.gz`), and its write
 * time: the consumer write that counted the object's events (event_ids.ingest_id) and when.
 */
export function archiveKeyParts(key: string): { writtenAt: number; ingestId: string } | null {
  const m = /\/(\d+)-([^/]+)\.ndjson\.gz$/.exec(key)
  return m ? { writtenAt: Number(m[1]), ingestId: m[2] } : null
}
