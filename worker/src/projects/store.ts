import type { KeyKind, KeyRecord } from './keys'
import { insertKey, keyRecords, prepareKey } from './keys-store'

export interface NewKey {
  key: string
  kind: KeyKind
  label?: string
}

/** Creates a project with its keys, in one transaction; keys are stored only as hashes. */
export async function createProject(
  db: D1Database,
  project: { id: string; name: string; stateShards?: number },
  keys: NewKey[],
  now = Date.now(),
): Promise<KeyRecord[]> {
  const prepared = await Promise.all(keys.map((k) => prepareKey(k.key, k.kind, k.label ?? `${k.kind} key`)))
  const [, ...rows] = await db.batch([
    db
      .prepare('INSERT INTO projects (id, name, created_at, state_shards) VALUES (?1, ?2, ?3, ?4)')
      .bind(project.id, project.name, now, project.stateShards ?? 1),
    ...prepared.map((k) => insertKey(db, project.id, k, now)),
  ])
  return keyRecords(rows).map((r) => r!)
}

export async function projectExists(db: D1Database, id: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 AS ok FROM projects WHERE id = ?1').bind(id).first('ok')) === 1
}
