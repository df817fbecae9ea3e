import { hashKey, newKeyId, type KeyKind } from './keys'

export interface KeyRow {
  id: string
  kind: KeyKind
  label: string
  last4: string | null
  created_at: number
  revoked_at: number | null
}

/** Active keys a project may hold at once: enough for rotation overlaps, bounded against abuse. */
export const MAX_ACTIVE_KEYS = 50

const COLUMNS = 'id, kind, label, last4, created_at, revoked_at'

/** The INSERT of one key (stored as its hash, with a public id and the secret's last 4 characters). */
export function insertKey(db: D1Database, projectId: string, k: { id: string; hash: string; secret: string; kind: KeyKind; label: string }, now: number) {
  return db
    .prepare(`INSERT INTO api_keys (key_hash, project_id, kind, label, created_at, id, last4) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING ${COLUMNS}`)
    .bind(k.hash, projectId, k.kind, k.label, now, k.id, k.secret.slice(-4))
}

export async function prepareKey(secret: string, kind: KeyKind, label: string) {
  return { id: newKeyId(), hash: await hashKey(secret), secret, kind, label }
}

export async function listKeys(db: D1Database, projectId: string): Promise<KeyRow[]> {
  const [, { results }] = await db.batch<KeyRow>([
    // rows written by an older create-project script have no public id yet: give them one
    db.prepare("UPDATE api_keys SET id = 'key_' || lower(hex(randomblob(8))) WHERE project_id = ?1 AND id IS NULL").bind(projectId),
    db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE project_id = ?1 ORDER BY created_at, id`).bind(projectId),
  ])
  return results
}

export function findKey(db: D1Database, projectId: string, id: string): Promise<KeyRow | null> {
  return db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE project_id = ?1 AND id = ?2`).bind(projectId, id).first<KeyRow>()
}

export function countActiveKeys(db: D1Database, projectId: string): Promise<number | null> {
  return db.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE project_id = ?1 AND revoked_at IS NULL').bind(projectId).first<number>('n')
}

/**
 * Revokes a key unless it is the project's last active admin key (the guard is in the same statement,
 * so two concurrent revocations cannot leave a project without one). Returns the revoked row or null.
 */
export function revokeKeyStatement(db: D1Database, projectId: string, id: string, now: number) {
  return db
    .prepare(
      `UPDATE api_keys SET revoked_at = ?3 WHERE project_id = ?1 AND id = ?2 AND revoked_at IS NULL
         AND (kind <> 'admin' OR (SELECT COUNT(*) FROM api_keys WHERE project_id = ?1 AND kind = 'admin' AND revoked_at IS NULL) > 1)
       RETURNING ${COLUMNS}`,
    )
    .bind(projectId, id, now)
}
