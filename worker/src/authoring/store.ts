/** SQL of authoring links and sessions: only SHA-256 hashes of their tokens are stored. */
import { sha256Hex } from '../lib/hash'
import type { LinkRecord, SessionRecord } from './tokens'

/** Who did something, as history shows it: the member behind the key, else the key's label. */
export interface Author {
  name: string
  memberId: string | null
}

export async function createLink(
  db: D1Database,
  projectId: string,
  link: { token: string; url: string; author: Author; now: number; expiresAt: number },
): Promise<void> {
  const keepSince = link.now - PRUNE_AFTER_MS
  await db.batch([
    db
      .prepare(
        'INSERT INTO authoring_links (token_hash, project_id, url, author, member_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)',
      )
      .bind(await sha256Hex(link.token), projectId, link.url, link.author.name, link.author.memberId, link.now, link.expiresAt),
    // links and sessions long past their end are no one's business any more: pruned as new ones are made
    db.prepare('DELETE FROM authoring_links WHERE project_id = ?1 AND expires_at < ?2').bind(projectId, keepSince),
    db.prepare('DELETE FROM authoring_sessions WHERE project_id = ?1 AND expires_at < ?2').bind(projectId, keepSince),
  ])
}

/** Ended links and sessions are kept this long (sessions stay listed as expired or revoked), then pruned. */
export const PRUNE_AFTER_MS = 30 * 86_400_000

export interface StoredLink extends LinkRecord {
  tokenHash: string
  author: Author
}

export async function findLink(db: D1Database, token: string): Promise<StoredLink | null> {
  const tokenHash = await sha256Hex(token)
  const row = await db
    .prepare('SELECT project_id, url, author, member_id, expires_at, used_at FROM authoring_links WHERE token_hash = ?1')
    .bind(tokenHash)
    .first<{ project_id: string; url: string; author: string; member_id: string | null; expires_at: number; used_at: number | null }>()
  if (!row) return null
  return {
    tokenHash,
    projectId: row.project_id,
    origin: new URL(row.url).origin,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    author: { name: row.author, memberId: row.member_id },
  }
}

export interface NewSession {
  id: string
  token: string
  projectId: string
  origin: string
  author: Author
  now: number
  expiresAt: number
}

/**
 * Spends the link and opens the session in one transaction: the link is marked used only if it still is unused and
 * unexpired, and the session row is inserted only when that update took, so one token opens at most one session.
 */
export async function redeemLink(db: D1Database, link: StoredLink, s: NewSession): Promise<boolean> {
  const [spent] = await db.batch([
    db
      .prepare('UPDATE authoring_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2')
      .bind(link.tokenHash, s.now),
    db
      .prepare(
        `INSERT INTO authoring_sessions (id, token_hash, project_id, origin, author, member_id, created_at, expires_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE changes() = 1`,
      )
      .bind(s.id, await sha256Hex(s.token), s.projectId, s.origin, s.author.name, s.author.memberId, s.now, s.expiresAt),
  ])
  return spent.meta.changes === 1
}

export interface StoredSession extends SessionRecord {
  id: string
  projectId: string
  origin: string
  author: Author
  createdAt: number
  lastUsedAt: number | null
}

interface SessionRow {
  id: string
  project_id: string
  origin: string
  author: string
  member_id: string | null
  created_at: number
  expires_at: number
  last_used_at: number | null
  revoked_at: number | null
}

const SESSION_COLUMNS = 'id, project_id, origin, author, member_id, created_at, expires_at, last_used_at, revoked_at'

const toSession = (r: SessionRow): StoredSession => ({
  id: r.id,
  projectId: r.project_id,
  origin: r.origin,
  author: { name: r.author, memberId: r.member_id },
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
})

export async function findSessionByToken(db: D1Database, token: string): Promise<StoredSession | null> {
  const row = await db
    .prepare(`SELECT ${SESSION_COLUMNS} FROM authoring_sessions WHERE token_hash = ?1`)
    .bind(await sha256Hex(token))
    .first<SessionRow>()
  return row && toSession(row)
}

/** Records use at most once a minute: every builder request reads the session, few need to write. */
export async function touchSession(db: D1Database, id: string, now: number): Promise<void> {
  await db
    .prepare('UPDATE authoring_sessions SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2 - 60000)')
    .bind(id, now)
    .run()
}

/** The project's sessions, newest first (the 200 most recent). */
export async function listSessions(db: D1Database, projectId: string): Promise<StoredSession[]> {
  const { results } = await db
    .prepare(`SELECT ${SESSION_COLUMNS} FROM authoring_sessions WHERE project_id = ?1 ORDER BY created_at DESC LIMIT 200`)
    .bind(projectId)
    .all<SessionRow>()
  return results.map(toSession)
}

/** Revokes a session of this project; false when there is no such session. Revoking twice keeps the first time. */
export async function revokeSession(db: D1Database, projectId: string, id: string, now: number): Promise<boolean> {
  const row = await db
    .prepare('UPDATE authoring_sessions SET revoked_at = COALESCE(revoked_at, ?3) WHERE project_id = ?1 AND id = ?2 RETURNING id')
    .bind(projectId, id, now)
    .first<{ id: string }>()
  return row !== null
}
