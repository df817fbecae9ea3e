/** SQL of drafts and version history of nudges and features (`authoring_drafts`, `authoring_versions`). */
export type ObjectKind = 'nudge' | 'feature'

export interface Draft {
  definition: Record<string, unknown>
  author: string
  updatedAt: number
}

export interface Version {
  version: number
  action: 'publish' | 'restore' | 'delete'
  definition: Record<string, unknown> | null
  author: string
  createdAt: number
}

/** A stored JSON document, or null when it is unreadable (never a failed request). */
function parsed(json: string | null): Record<string, unknown> | null {
  if (json === null) return null
  try {
    const v: unknown = JSON.parse(json)
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

export async function saveDraft(
  db: D1Database,
  projectId: string,
  kind: ObjectKind,
  key: string,
  definition: unknown,
  author: string,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO authoring_drafts (project_id, object_kind, object_key, definition_json, author, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (project_id, object_kind, object_key) DO UPDATE SET definition_json = excluded.definition_json, author = excluded.author, updated_at = excluded.updated_at`,
    )
    .bind(projectId, kind, key, JSON.stringify(definition), author, now)
    .run()
}

export async function findDraft(db: D1Database, projectId: string, kind: ObjectKind, key: string): Promise<Draft | null> {
  const row = await db
    .prepare(
      'SELECT definition_json, author, updated_at FROM authoring_drafts WHERE project_id = ?1 AND object_kind = ?2 AND object_key = ?3',
    )
    .bind(projectId, kind, key)
    .first<{ definition_json: string; author: string; updated_at: number }>()
  const definition = row && parsed(row.definition_json)
  return row && definition ? { definition, author: row.author, updatedAt: row.updated_at } : null
}

/** Keys of the project's drafts of one kind. */
export async function draftKeys(db: D1Database, projectId: string, kind: ObjectKind): Promise<Set<string>> {
  const { results } = await db
    .prepare('SELECT object_key FROM authoring_drafts WHERE project_id = ?1 AND object_kind = ?2')
    .bind(projectId, kind)
    .all<{ object_key: string }>()
  return new Set(results.map((r) => r.object_key))
}

export function deleteDraftStatement(db: D1Database, projectId: string, kind: ObjectKind, key: string): D1PreparedStatement {
  return db
    .prepare('DELETE FROM authoring_drafts WHERE project_id = ?1 AND object_kind = ?2 AND object_key = ?3')
    .bind(projectId, kind, key)
}

/**
 * Appends a version (numbered after the object's last one, in the same statement) and drops the draft it published:
 * run it in the batch that writes the published row, or right after it.
 */
export function versionStatements(
  db: D1Database,
  projectId: string,
  kind: ObjectKind,
  key: string,
  v: { action: Version['action']; definition: unknown; author: string; now: number },
): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT INTO authoring_versions (project_id, object_kind, object_key, version, action, definition_json, author, created_at)
         SELECT ?1, ?2, ?3, COALESCE(MAX(version), 0) + 1, ?4, ?5, ?6, ?7 FROM authoring_versions
         WHERE project_id = ?1 AND object_kind = ?2 AND object_key = ?3`,
      )
      .bind(projectId, kind, key, v.action, v.definition === null ? null : JSON.stringify(v.definition), v.author, v.now),
    ...(v.action === 'delete' ? [] : [deleteDraftStatement(db, projectId, kind, key)]),
  ]
}

/** The object's versions, newest first (the 100 most recent). */
export async function listVersions(db: D1Database, projectId: string, kind: ObjectKind, key: string): Promise<Version[]> {
  const { results } = await db
    .prepare(
      `SELECT version, action, definition_json, author, created_at FROM authoring_versions
       WHERE project_id = ?1 AND object_kind = ?2 AND object_key = ?3 ORDER BY version DESC LIMIT 100`,
    )
    .bind(projectId, kind, key)
    .all<{ version: number; action: Version['action']; definition_json: string | null; author: string; created_at: number }>()
  return results.map((r) => ({
    version: r.version,
    action: r.action,
    definition: parsed(r.definition_json),
    author: r.author,
    createdAt: r.created_at,
  }))
}

export async function findVersion(
  db: D1Database,
  projectId: string,
  kind: ObjectKind,
  key: string,
  version: number,
): Promise<Version | null> {
  const row = await db
    .prepare(
      `SELECT version, action, definition_json, author, created_at FROM authoring_versions
       WHERE project_id = ?1 AND object_kind = ?2 AND object_key = ?3 AND version = ?4`,
    )
    .bind(projectId, kind, key, version)
    .first<{ version: number; action: Version['action']; definition_json: string | null; author: string; created_at: number }>()
  return row
    ? { version: row.version, action: row.action, definition: parsed(row.definition_json), author: row.author, createdAt: row.created_at }
    : null
}

export async function latestVersion(db: D1Database, projectId: string, kind: ObjectKind, key: string): Promise<number> {
  const row = await db
    .prepare('SELECT MAX(version) AS v FROM authoring_versions WHERE project_id = ?1 AND object_kind = ?2 AND object_key = ?3')
    .bind(projectId, kind, key)
    .first<{ v: number | null }>()
  return row?.v ?? 0
}
