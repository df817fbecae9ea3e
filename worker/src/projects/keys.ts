/** API keys: only SHA-256 hashes are stored, so a leaked database leaks no usable key. */
export type KeyKind = 'write' | 'read' | 'admin'

export interface ApiKey {
  projectId: string
  kind: KeyKind
  /** Public id of the key (`key_…`), to list, revoke and rotate it by; null for rows an old script wrote. */
  keyId: string | null
}

/** Secret prefixes per kind: a leaked key says what it can do, and secret scanners can match it. */
export const KEY_PREFIX: Record<KeyKind, string> = { write: 'wk_', read: 'rk_', admin: 'sk_' }

export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A new secret: the kind's prefix and 192 random bits. */
export function newSecret(kind: KeyKind): string {
  return KEY_PREFIX[kind] + base64url(crypto.getRandomValues(new Uint8Array(24)))
}

/** A new public key id: 64 random bits, unrelated to the secret. */
export function newKeyId(): string {
  return `key_${hex(crypto.getRandomValues(new Uint8Array(8)))}`
}

export async function findApiKey(db: D1Database, key: string): Promise<ApiKey | null> {
  const row = await db
    .prepare('SELECT project_id, kind, id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL')
    .bind(await hashKey(key))
    .first<{ project_id: string; kind: KeyKind; id: string | null }>()
  return row ? { projectId: row.project_id, kind: row.kind, keyId: row.id } : null
}

/** Whether two secrets are equal, in time independent of where they differ (both are hashed first). */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder()
  const [a, b] = await Promise.all([given, expected].map(async (s) => new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(s)))))
  // every byte of the two fixed-length digests is compared, whatever differs first
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}
