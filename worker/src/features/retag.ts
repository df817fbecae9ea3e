/**
 * Re-tagging policy, pure: which registry changes re-tag stored events, how one page of stored events is
 * re-classified with the current rules, and the job's progress as people see it. SQL: retag-store.ts; the
 * paged, leased job that runs them: rebuild.ts.
 */
import type { Feature } from '../../../shared/features'
import { DAY_MS, dayOf } from '../lib/days'
import { trackTagger, type FeatureIndex, type TrackTags } from './classify'

/** A raw event as re-tagging reads it (properties only for track events). */
export interface StoredEvent {
  rowid: number
  ts: number
  type: string
  name: string | null
  kind: string
  featureKey: string | null
  amount: number | null
  userId: string | null
  properties: Record<string, unknown>
}

/** The new tags of one stored event. */
export interface Retag extends TrackTags {
  rowid: number
}

/** A (user id, day start, day end) whose rollups are recomputed from raw events. */
export type UserDay = [string, number, number]

/** The re-tagging job of a project, as stored. */
export interface RebuildJob {
  status: 'running' | 'done'
  /** Bumped by each rules change: a page walked under an older generation does not move the cursor. */
  generation: number
  cursorTs: number
  cursorRowid: number
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

/** Reclassifies one page's track events: the events whose tags change, and the (user, day) pairs they touch. */
export function retagPage(rows: StoredEvent[], index: FeatureIndex): { updates: Retag[]; pairs: UserDay[] } {
  const tag = trackTagger(index)
  const updates: Retag[] = []
  const pairs = new Map<string, UserDay>()
  for (const row of rows) {
    if (row.type !== 'track' || row.name === null) continue
    const tags = tag(row.name, row.properties)
    if (tags.kind === row.kind && tags.featureKey === row.featureKey && tags.amount === row.amount) continue
    updates.push({ rowid: row.rowid, ...tags })
    if (row.userId === null) continue
    const dayStart = Date.parse(dayOf(row.ts))
    pairs.set(`${row.userId}\u0000${dayStart}`, [row.userId, dayStart, dayStart + DAY_MS])
  }
  return { updates, pairs: [...pairs.values()] }
}
