/**
 * Authoring tokens, pure: a one-time link token (minutes) is exchanged once for a session token (hours). Both are
 * random secrets of which only the SHA-256 is stored; these rules decide when each may still be used.
 */
import { DAY_MS } from '../lib/days'

/** How long a link stays usable: opened from the console at once, so minutes. */
export const LINK_TTL_MS = 10 * 60_000
/** How long an authoring session lasts (a working day), unless revoked first. */
export const SESSION_TTL_MS = DAY_MS / 3
/** The fragment that carries a link token; the widget removes it on sight. */
export const LINK_FRAGMENT = 'uptake-author='

export const LINK_PREFIX = 'al_'
export const SESSION_PREFIX = 'as_'

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** A new secret token with its kind's prefix: 192 random bits, URL- and fragment-safe (`[A-Za-z0-9_-]`). */
export const newToken = (prefix: string): string => prefix + base64url(crypto.getRandomValues(new Uint8Array(24)))

/** A session's public id (to list and revoke it by), unrelated to its secret. */
export const newSessionId = (): string => `ses_${base64url(crypto.getRandomValues(new Uint8Array(9)))}`

/** Whether a string has the shape of a token of this kind (anything else is refused before any lookup). */
export const looksLikeToken = (token: string, prefix: string): boolean => token.startsWith(prefix) && /^[\w-]{20,64}$/.test(token)

/** The page to open: the product URL with its fragment replaced by the link token (a fragment never reaches a server). */
export function linkUrl(pageUrl: string, token: string): string {
  const u = new URL(pageUrl)
  u.hash = LINK_FRAGMENT + token
  return u.toString()
}

/** The origin of a page URL (`https://app.example.com`): the only origin its session may be used from. */
export const originOf = (pageUrl: string): string => new URL(pageUrl).origin

export interface LinkRecord {
  projectId: string
  origin: string
  expiresAt: number
  usedAt: number | null
}

export type LinkRefusal = 'unknown' | 'used' | 'expired' | 'other_project' | 'other_origin'

/**
 * Why a link token may not be exchanged now, or null when it may: unknown, already used, expired, presented with
 * another project's write key, or from a page of another origin than the one the link was made for. The caller
 * marks it used in the same statement that checks it, so two exchanges of one token cannot both succeed.
 */
export function linkRefusal(link: LinkRecord | null, ctx: { projectId: string; origin: string | null; now: number }): LinkRefusal | null {
  if (!link) return 'unknown'
  if (link.projectId !== ctx.projectId) return 'other_project'
  if (link.usedAt !== null) return 'used'
  if (ctx.now >= link.expiresAt) return 'expired'
  if (ctx.origin !== null && ctx.origin !== link.origin) return 'other_origin'
  return null
}

export interface SessionRecord {
  expiresAt: number
  revokedAt: number | null
}

export type SessionStatus = 'active' | 'expired' | 'revoked'

export function sessionStatus(s: SessionRecord, now: number): SessionStatus {
  if (s.revokedAt !== null) return 'revoked'
  return now >= s.expiresAt ? 'expired' : 'active'
}
