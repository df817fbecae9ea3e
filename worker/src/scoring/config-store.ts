import { scoringConfigSchema, type ScoringConfig } from '../../../shared/scoring'
import { DEFAULT_CONFIG } from './defaults'

export interface VersionedConfig {
  version: string
  config: ScoringConfig
}

export const DEFAULT_VERSION = 'default-1'

export async function loadScoringConfig(db: D1Database, projectId: string): Promise<VersionedConfig> {
  const row = await db.prepare('SELECT version, config_json FROM scoring_configs WHERE project_id = ?1').bind(projectId).first<{ version: string; config_json: string }>()
  if (!row) return { version: DEFAULT_VERSION, config: DEFAULT_CONFIG }
  const parsed = scoringConfigSchema.safeParse(JSON.parse(row.config_json))
  return parsed.success ? { version: row.version, config: parsed.data } : { version: DEFAULT_VERSION, config: DEFAULT_CONFIG }
}

/** Stores a new config version; the version is a hash of its content so identical configs share one. */
export async function saveScoringConfig(db: D1Database, projectId: string, config: ScoringConfig, now: number): Promise<string> {
  const json = JSON.stringify(config)
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(json))
  const version = `v-${[...new Uint8Array(digest)].slice(0, 6).map((b) => b.toString(16).padStart(2, '0')).join('')}`
  await db.batch([
    db.prepare(`INSERT INTO scoring_configs (project_id, version, config_json, updated_at) VALUES (?1, ?2, ?3, ?4)
      ON CONFLICT (project_id) DO UPDATE SET version = excluded.version, config_json = excluded.config_json, updated_at = excluded.updated_at`).bind(projectId, version, json, now),
    db.prepare('INSERT OR IGNORE INTO scoring_config_versions (project_id, version, config_json, created_at) VALUES (?1, ?2, ?3, ?4)').bind(projectId, version, json, now),
  ])
  return version
}
