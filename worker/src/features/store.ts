import { z } from 'zod'
import { featureRuleSchema, type Feature } from '../../../shared/features'
import { isolateCache } from '../lib/isolate-cache'
import { buildFeatureIndex, type FeatureIndex } from './classify'

interface FeatureRow {
  key: string
  name: string
  kind: Feature['kind']
  core: number
  rules_json: string
}

const rulesSchema = z.array(featureRuleSchema)

function toFeature(row: FeatureRow): Feature {
  const rules = rulesSchema.safeParse(JSON.parse(row.rules_json))
  return { key: row.key, name: row.name, kind: row.kind, core: row.core === 1, rules: rules.success ? rules.data : [] }
}

export async function listFeatures(db: D1Database, projectId: string): Promise<Feature[]> {
  const { results } = await db
    .prepare('SELECT key, name, kind, core, rules_json FROM features WHERE project_id = ?1 ORDER BY key')
    .bind(projectId)
    .all<FeatureRow>()
  return results.map(toFeature)
}

/** The registry as ingest tags with it, and its rules generation (`feature_rebuilds.generation`, 0 before any change). */
export interface Tagging {
  index: FeatureIndex
  generation: number
}

const cache = isolateCache<Tagging>(10_000)

/** The registry and its rules generation, read together in one transaction (so an archive object names the rules it was tagged with). */
export async function readTagging(db: D1Database, projectId: string): Promise<Tagging> {
  const [features, job] = await db.batch([
    db.prepare('SELECT key, name, kind, core, rules_json FROM features WHERE project_id = ?1 ORDER BY key').bind(projectId),
    db.prepare('SELECT generation FROM feature_rebuilds WHERE project_id = ?1').bind(projectId),
  ])
  const generation = (job.results[0] as { generation: number } | undefined)?.generation ?? 0
  return { index: buildFeatureIndex((features.results as FeatureRow[]).map(toFeature)), generation }
}

/** Ingest reads the registry at most every 10 s per isolate; a rules change re-tags the archive (objects record their generation). */
export function cachedTagging(db: D1Database, projectId: string, now = Date.now()): Promise<Tagging> {
  return cache.get(projectId, () => readTagging(db, projectId), now)
}

export async function cachedFeatureIndex(db: D1Database, projectId: string, now = Date.now()): Promise<FeatureIndex> {
  return (await cachedTagging(db, projectId, now)).index
}

/**
 * Records the registry as it stands under the project's current rules generation; run it in the batch of the
 * rules change, after the feature write and the job's restart (which bumps the generation).
 */
export function snapshotRulesStatement(db: D1Database, projectId: string, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO feature_rule_snapshots (project_id, generation, features_json, created_at)
       SELECT ?1, r.generation, (SELECT json_group_array(json_object('key', key, 'name', name, 'kind', kind, 'core', core, 'rules_json', rules_json))
         FROM features WHERE project_id = ?1), ?2
       FROM feature_rebuilds AS r WHERE r.project_id = ?1
       ON CONFLICT (project_id, generation) DO UPDATE SET features_json = excluded.features_json, created_at = excluded.created_at`,
    )
    .bind(projectId, now)
}

/** A snapshot's features (see snapshotRulesStatement). */
export const snapshotFeatures = (featuresJson: string): Feature[] => (JSON.parse(featuresJson) as FeatureRow[]).map(toFeature)

export function forgetFeatureIndex(projectId: string): void {
  cache.forget(projectId)
}

export async function findFeature(db: D1Database, projectId: string, key: string): Promise<Feature | null> {
  const row = await db
    .prepare('SELECT key, name, kind, core, rules_json FROM features WHERE project_id = ?1 AND key = ?2')
    .bind(projectId, key)
    .first<FeatureRow>()
  return row ? toFeature(row) : null
}

/** The write of a feature; run it with `forgetFeatureIndex` (and a rebuild when its tags can change). */
export function upsertFeatureStatement(db: D1Database, projectId: string, f: Feature, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
       ON CONFLICT (project_id, key) DO UPDATE SET
         name = excluded.name, kind = excluded.kind, core = excluded.core,
         rules_json = excluded.rules_json, updated_at = excluded.updated_at`,
    )
    .bind(projectId, f.key, f.name, f.kind, f.core ? 1 : 0, JSON.stringify(f.rules), now)
}

export function deleteFeatureStatement(db: D1Database, projectId: string, key: string): D1PreparedStatement {
  return db.prepare('DELETE FROM features WHERE project_id = ?1 AND key = ?2').bind(projectId, key)
}

/**
 * Writes (or, with null, deletes) a feature in one batch with the statements that must land with it (the start
 * of a re-tagging job), then drops this isolate's cached rules so ingest sees the change at once.
 */
export async function saveFeature(
  db: D1Database,
  projectId: string,
  key: string,
  feature: Feature | null,
  now: number,
  withIt: D1PreparedStatement[] = [],
) {
  await db.batch([feature ? upsertFeatureStatement(db, projectId, feature, now) : deleteFeatureStatement(db, projectId, key), ...withIt])
  forgetFeatureIndex(projectId)
}
