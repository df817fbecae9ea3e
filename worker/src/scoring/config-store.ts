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

/** A config's version: `v-` and the first 12 hex digits of the SHA-256 of its JSON as stored. */
export const configVersion = async (config: ScoringConfig) => `v-${(await sha256Hex(JSON.stringify(config))).slice(0, 12)}`

export type ConfigSource = 'manual' | 'calibrated'

export interface SavedConfig {
  version: string
  source: ConfigSource
  /** The fit's summary when the config is exactly one POST /scoring/calibrate proposed. */
  calibration: unknown
}

/** Remembers a calibration proposal under the version its config would get, so applying it is recorded as calibrated. */
export async function saveCalibrationProposal(db: D1Database, projectId: string, version: string, summary: unknown, now: number) {
  await db
    .prepare(
      `INSERT INTO scoring_calibrations (project_id, version, summary_json, created_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (project_id, version) DO UPDATE SET summary_json = excluded.summary_json, created_at = excluded.created_at`,
    )
    .bind(projectId, version, JSON.stringify(summary), now)
    .run()
}

/**
 * Stores a new config version; the version is a hash of its content so identical configs share one. A config that is
 * exactly a calibration proposal is recorded as `calibrated`, with the fit's summary; any other as `manual`.
 */
export async function saveScoringConfig(db: D1Database, projectId: string, config: ScoringConfig, now: number): Promise<SavedConfig> {
  const json = JSON.stringify(config)
  const version = await configVersion(config)
  const proposal = await db
    .prepare('SELECT summary_json FROM scoring_calibrations WHERE project_id = ?1 AND version = ?2')
    .bind(projectId, version)
    .first<{ summary_json: string }>()
  const source: ConfigSource = proposal ? 'calibrated' : 'manual'
  await db.batch([
    db
      .prepare(
        `INSERT INTO scoring_configs (project_id, version, config_json, updated_at) VALUES (?1, ?2, ?3, ?4)
      ON CONFLICT (project_id) DO UPDATE SET version = excluded.version, config_json = excluded.config_json, updated_at = excluded.updated_at`,
      )
      .bind(projectId, version, json, now),
    db
      .prepare(
        `INSERT INTO scoring_config_versions (project_id, version, config_json, created_at, source, calibration_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (project_id, version) DO UPDATE SET source = excluded.source, calibration_json = excluded.calibration_json
         WHERE excluded.source = 'calibrated'`,
      )
      .bind(projectId, version, json, now, source, proposal?.summary_json ?? null),
  ])
  return { version, source, calibration: proposal ? JSON.parse(proposal.summary_json) : null }
}

export interface ConfigVersionRow {
  version: string
  created_at: number
  source: ConfigSource
  calibration: unknown
  current: boolean
}

/** Every config version the project applied, newest first (at most `limit`), with where each came from. */
export async function listConfigVersions(db: D1Database, projectId: string, limit: number): Promise<ConfigVersionRow[]> {
  const { results } = await db
    .prepare(
      `SELECT v.version, v.created_at, v.source, v.calibration_json, c.version IS NOT NULL AS current
       FROM scoring_config_versions v LEFT JOIN scoring_configs c ON c.project_id = v.project_id AND c.version = v.version
       WHERE v.project_id = ?1 ORDER BY v.created_at DESC, v.version LIMIT ?2`,
    )
    .bind(projectId, limit)
    .all<{ version: string; created_at: number; source: ConfigSource; calibration_json: string | null; current: number }>()
  return results.map((r) => ({
    version: r.version,
    created_at: r.created_at,
    source: r.source,
    calibration: r.calibration_json ? JSON.parse(r.calibration_json) : null,
    current: r.current === 1,
  }))
}
