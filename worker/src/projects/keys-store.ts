import { hashKey, newKeyId, type ApiKey, type KeyKind, type KeyRecord } from './keys'

interface KeyRow {
  id: string
  kind: KeyKind
  label: string
  last4: string | null
  created_at: number
  revoked_at: number | null
  member_id: string | null
}

const toRecord = (r: KeyRow): KeyRecord => ({
  id: r.id,
  kind: r.kind,
  label: r.label,
  last4: r.last4,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  memberId: r.member_id,
})

/** Active keys a project may hold at once: enough for rotation overlaps, bounded against abuse. */
export const MAX_ACTIVE_KEYS = 50

const COLUMNS = 'id, kind, label, last4, created_at, revoked_at, member_id'

/** A key ready to insert: its hash, a public id and the secret's last 4 characters. */
export interface PreparedKey {
  id: string
  hash: string
  last4: string
  kind: KeyKind
  label: string
  memberId: string | null
}

export async function prepareKey(secret: string, kind: KeyKind, label: string, memberId: string | null = null): Promise<PreparedKey> {
  return { id: newKeyId(), hash: await hashKey(secret), last4: secret.slice(-4), kind, label, memberId }
}

/** The INSERT of one key, returning its row (for a batch: `keyRecords` maps the results). */
export function insertKey(db: D1Database, projectId: string, k: PreparedKey, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO api_keys (key_hash, project_id, kind, label, created_at, id, last4, member_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING ${COLUMNS}`,
    )
    .bind(k.hash, projectId, k.kind, k.label, now, k.id, k.last4, k.memberId)
}

/** The key rows a batch of `insertKey`/`revokeKeyStatement` returned, in order (null where none was). */
export const keyRecords = (results: D1Result<unknown>[]): (KeyRecord | null)[] =>
  results.map((r) => (r.results[0] ? toRecord(r.results[0] as KeyRow) : null))

/** The live key with this secret, or null; a key of a removed (or unknown) member is not live. */
export async function findApiKey(db: D1Database, secret: string): Promise<ApiKey | null> {
  const row = await db
    .prepare(
      `SELECT k.project_id, k.kind, k.id, k.label, k.member_id FROM api_keys k
       LEFT JOIN members m ON m.project_id = k.project_id AND m.id = k.member_id
       WHERE k.key_hash = ?1 AND k.revoked_at IS NULL AND (k.member_id IS NULL OR (m.id IS NOT NULL AND m.removed_at IS NULL))`,
    )
    .bind(await hashKey(secret))
    .first<{ project_id: string; kind: KeyKind; id: string | null; label: string; member_id: string | null }>()
  return row ? { projectId: row.project_id, kind: row.kind, keyId: row.id, label: row.label, memberId: row.member_id } : null
}

export async function listKeys(db: D1Database, projectId: string): Promise<KeyRecord[]> {
  const [, { results }] = await db.batch<KeyRow>([
    // rows written by an older create-project script have no public id yet: give them one
    db.prepare("UPDATE api_keys SET id = 'key_' || lower(hex(randomblob(8))) WHERE project_id = ?1 AND id IS NULL").bind(projectId),
    db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE project_id = ?1 ORDER BY created_at, id`).bind(projectId),
  ])
  return results.map(toRecord)
}

export async function findKey(db: D1Database, projectId: string, id: string): Promise<KeyRecord | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE project_id = ?1 AND id = ?2`).bind(projectId, id).first<KeyRow>()
  return row && toRecord(row)
}

export async function countActiveKeys(db: D1Database, projectId: string): Promise<number> {
  return (
    (await db
      .prepare('SELECT COUNT(*) AS n FROM api_keys WHERE project_id = ?1 AND revoked_at IS NULL')
      .bind(projectId)
      .first<number>('n')) ?? 0
  )
}

export async function createKey(db: D1Database, projectId: string, key: PreparedKey, now: number): Promise<KeyRecord> {
  return toRecord((await insertKey(db, projectId, key, now).first<KeyRow>())!)
}

/**
 * Revokes a key unless it is the project's last active admin key (the guard is in the same statement,
 * so two concurrent revocations cannot leave a project without one). Returns the revoked row or null.
 */
export function revokeKeyStatement(db: D1Database, projectId: string, id: string, now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE api_keys SET revoked_at = ?3 WHERE project_id = ?1 AND id = ?2 AND revoked_at IS NULL
         AND (kind <> 'admin' OR (SELECT COUNT(*) FROM api_keys WHERE project_id = ?1 AND kind = 'admin' AND revoked_at IS NULL) > 1)
       RETURNING ${COLUMNS}`,
    )
    .bind(projectId, id, now)
}

export async function revokeKey(db: D1Database, projectId: string, id: string, now: number): Promise<KeyRecord | null> {
  const row = await revokeKeyStatement(db, projectId, id, now).first<KeyRow>()
  return row && toRecord(row)
}

/** A new key of the same kind and label, and the old key revoked, in one transaction. */
export async function rotateKey(db: D1Database, projectId: string, old: KeyRecord, secret: string, now: number) {
  const [created, revoked] = keyRecords(
    await db.batch([
      insertKey(db, projectId, await prepareKey(secret, old.kind, old.label, old.memberId), now),
      revokeKeyStatement(db, projectId, old.id, now),
    ]),
  )
  return { created: created!, revoked }
}
