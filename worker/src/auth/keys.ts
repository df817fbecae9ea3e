/** API keys: only SHA-256 hashes are stored, so a leaked database leaks no usable key. */
export type KeyKind = 'write' | 'read' | 'admin'

export interface ApiKey {
  projectId: string
  kind: KeyKind
}

export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export async function findApiKey(db: D1Database, key: string): Promise<ApiKey | null> {
  const row = await db
    .prepare('SELECT project_id, kind FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL')
    .bind(await hashKey(key))
    .first<{ project_id: string; kind: KeyKind }>()
  return row ? { projectId: row.project_id, kind: row.kind } : null
}
