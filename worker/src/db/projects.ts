import { hashKey, type KeyKind } from '../auth/keys'

export interface NewKey {
  key: string
  kind: KeyKind
  label?: string
}

/** Creates a project with its keys; keys are stored only as hashes. */
export async function createProject(db: D1Database, project: { id: string; name: string }, keys: NewKey[], now = Date.now()): Promise<void> {
  const keyRows = await Promise.all(
    keys.map(async (k) =>
      db
        .prepare('INSERT INTO api_keys (key_hash, project_id, kind, label, created_at) VALUES (?1, ?2, ?3, ?4, ?5)')
        .bind(await hashKey(k.key), project.id, k.kind, k.label ?? k.kind, now),
    ),
  )
  await db.batch([
    db.prepare('INSERT INTO projects (id, name, created_at) VALUES (?1, ?2, ?3)').bind(project.id, project.name, now),
    ...keyRows,
  ])
}
