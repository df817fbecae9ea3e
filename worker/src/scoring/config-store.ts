import { scoringConfigSchema, type ScoringConfig } from '../../../shared/scoring'
import { snakeKeys } from '../lib/casing'
import { sha256Hex } from '../lib/hash'
import { DEFAULT_CONFIG } from './defaults'

export interface VersionedConfig {
  version: string
  config: ScoringConfig
}

export const DEFAULT_VERSION = 'default-1'

/** Records keyed by data (profile names, measure keys): their keys are never re-cased. */
const DATA_KEYED = new Set(['profiles', 'measures'])

/**
 * The project's scoring config, or the defaults when it has none or its stored document no longer validates.
 * Configs stored before 0.2 have camelCase keys (`minCellCount`): read in their snake_case form, same version.
 * A stored document that is not JSON at all throws: the run fails visibly rather than scoring on the defaults.
 */
export async function loadScoringConfig(db: D1Database, projectId: string): Promise<VersionedConfig> {
  const row = await db
    .prepare('SELECT version, config_json FROM scoring_configs WHERE project_id = ?1')
    .bind(projectId)
    .first<{ version: string; config_json: string }>()
  if (!row) return { version: DEFAULT_VERSION, config: DEFAULT_CONFIG }
  const parsed = scoringConfigSchema.safeParse(snakeKeys(JSON.parse(row.config_json), DATA_KEYED))
  return parsed.success ? { version: row.version, config: parsed.data } : { version: DEFAULT_VERSION, config: DEFAULT_CONFIG }
}

/** Stores a new config version; the version is a hash of its content so identical configs share one. */
export async function saveScoringConfig(db: D1Database, projectId: string, config: ScoringConfig, now: number): Promise<string> {
  const json = JSON.stringify(config)
  const version = `v-${(await sha256Hex(json)).slice(0, 12)}`
  await db.batch([
    db
      .prepare(
        `INSERT INTO scoring_configs (project_id, version, config_json, updated_at) VALUES (?1, ?2, ?3, ?4)
      ON CONFLICT (project_id) DO UPDATE SET version = excluded.version, config_json = excluded.config_json, updated_at = excluded.updated_at`,
      )
      .bind(projectId, version, json, now),
    db
      .prepare('INSERT OR IGNORE INTO scoring_config_versions (project_id, version, config_json, created_at) VALUES (?1, ?2, ?3, ?4)')
      .bind(projectId, version, json, now),
  ])
  return version
}
