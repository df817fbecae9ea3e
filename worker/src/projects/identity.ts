/**
 * Identity verification, as Intercom's and Pendo's: the vendor's backend signs the user id with a project
 * secret, user_hash = hex(HMAC-SHA256(secret, userId)), and the widget passes it along. Without it, a
 * caller holding only the public write key cannot prove to be a user.
 */
import { NUDGE_EVENTS } from '../../../shared/nudge-events'
import { hmacSha256Hex, randomHex } from '../lib/hash'

const enc = new TextEncoder()

const verifyKey = (secret: string) =>
  crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])

/** The user hash a vendor's backend computes (also what the README shows in Node). */
export const userHash = (secret: string, userId: string): Promise<string> => hmacSha256Hex(secret, userId)

function hexBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Whether `hash` signs `userId` under one of the project's valid secrets; compared in constant time by WebCrypto. */
export async function verifyUserHash(secrets: string[], userId: string, hash: string | null | undefined): Promise<boolean> {
  const sig = hash ? hexBytes(hash) : null
  if (!sig) return false
  for (const secret of secrets) if (await crypto.subtle.verify('HMAC', await verifyKey(secret), sig, enc.encode(userId))) return true
  return false
}

/** A new identity secret: 256 random bits, hex. */
export const newIdentitySecret = (): string => randomHex(32)

/** What the check reads of an ingested event row (ingest's `EventRow` has these and more). */
export interface NudgeEventRow {
  name: string | null
  userId: string | null
  properties: Record<string, unknown>
}

const NUDGE_EVENT_NAMES = new Set<string>(Object.values(NUDGE_EVENTS))

/**
 * Nudge interaction rows (shown, dismissed, answered…) whose `userHash` does not prove their user, when
 * `secrets` is given (verification required); null checks nothing. The hash is removed from every row
 * either way, so it is never stored.
 */
export async function unverifiedNudgeEvents<R extends NudgeEventRow>(rows: R[], secrets: string[] | null): Promise<Set<R>> {
  const refused = new Set<R>()
  const proven = new Map<string, boolean>()
  for (const row of rows) {
    if (!row.name || !NUDGE_EVENT_NAMES.has(row.name)) continue
    const hash = row.properties.userHash
    delete row.properties.userHash
    if (!secrets) continue
    const key = `${row.userId}\n${hash}`
    if (!proven.has(key)) proven.set(key, !!row.userId && typeof hash === 'string' && (await verifyUserHash(secrets, row.userId, hash)))
    if (!proven.get(key)) refused.add(row)
  }
  return refused
}
