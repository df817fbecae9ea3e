/** Writing a feature change: the row, the re-tagging job it needs (first page now, the rest in the background). */
import type { RebuildProgressWire } from '../../../shared/api/features'
import type { Feature } from '../../../shared/features'
import { advanceRebuild, continueRebuild, startRebuildStatements, type RebuildEnv } from './rebuild'
import { changesTagging, type RebuildProgress } from './retag'
import { saveFeature } from './store'

/** What a version of a feature records: everything but its key. */
export const featureDefinition = ({ key: _key, ...definition }: Feature) => definition

/** The one place a job's progress becomes the snake_case wire. */
export const rebuildWire = (p: RebuildProgress | null): RebuildProgressWire | null =>
  p && {
    status: p.status,
    done: p.done,
    total: p.total,
    retagged: p.retagged,
    started_at: new Date(p.startedAt).toISOString(),
    finished_at: p.finishedAt === null ? null : new Date(p.finishedAt).toISOString(),
  }

/**
 * Writes (or, with `after` null, deletes) a feature with the statements that must land with it (a version record),
 * and re-tags only when tagging can change: the first page now, the rest through `background` (waitUntil).
 */
export async function saveFeatureChange(
  env: RebuildEnv,
  projectId: string,
  key: string,
  change: { before: Feature | null; after: Feature | null; withIt?: D1PreparedStatement[] },
  background: (work: Promise<unknown>) => void,
): Promise<RebuildProgressWire | null> {
  const db = env.DB
  const now = Date.now()
  const retag = changesTagging(change.before, change.after)
  await saveFeature(db, projectId, key, change.after, now, [
    ...(retag ? startRebuildStatements(db, projectId, now) : []),
    ...(change.withIt ?? []),
  ])
  if (!retag) return null
  const first = await advanceRebuild(env, projectId, { maxPages: 1 })
  if (first.progress?.status === 'running') background(continueRebuild(env, projectId))
  return rebuildWire(first.progress)
}
