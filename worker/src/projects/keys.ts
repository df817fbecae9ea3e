/** API keys: only SHA-256 hashes are stored, so a leaked database leaks no usable key. */
import { randomHex, sha256Hex } from '../lib/hash'

export type KeyKind = 'write' | 'read' | 'admin'

/** The key a request was authenticated with. */
export interface ApiKey {
  projectId: string
  kind: KeyKind
  /** Public id of the key (`key_…`), to list, revoke and rotate it by; null for rows an old script wrote. */
  keyId: string | null
  /** What the key is called (the author of a note written with a key that belongs to no member). */
  label: string
  /** The team member the key belongs to (`mem_…`), or null for a project key. */
  memberId: string | null
}

/** A stored key as the slice reads it: never the secret or its hash. */
export interface KeyRecord {
  id: string
  kind: KeyKind
  label: string
  last4: string | null
  createdAt: number
  revokedAt: number | null
  memberId: string | null
}

/** Secret prefixes per kind: a leaked key says what it can do, and secret scanners can match it. */
export const KEY_PREFIX: Record<KeyKind, string> = { write: 'wk_', read: 'rk_', admin: 'sk_' }

/** What is stored of a secret: its SHA-256. */
export const hashKey = sha256Hex

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** A new secret: the kind's prefix and 192 random bits. */
export function newSecret(kind: KeyKind): string {
  return KEY_PREFIX[kind] + base64url(crypto.getRandomValues(new Uint8Array(24)))
}

/** A new public key id: 64 random bits, unrelated to the secret. */
export const newKeyId = (): string => `key_${randomHex(8)}`

/** Whether two secrets are equal, in time independent of where they differ (both are hashed first). */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder()
  const [a, b] = await Promise.all([given, expected].map(async (s) => new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(s)))))
  // every byte of the two fixed-length digests is compared, whatever differs first
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}
