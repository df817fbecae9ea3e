import type { Member } from './members'

interface MemberRow {
  id: string
  name: string
  email: string
  created_at: number
  removed_at: number | null
  active_keys: number
}

const toMember = (r: MemberRow): Member => ({
  id: r.id,
  name: r.name,
  email: r.email,
  createdAt: r.created_at,
  removedAt: r.removed_at,
  activeKeys: r.active_keys,
})

/** Members read with their count of live keys; ?1 is always the project. */
const SELECT = `SELECT m.id, m.name, m.email, m.created_at, m.removed_at,
    (SELECT COUNT(*) FROM api_keys k INDEXED BY idx_api_keys_project_id_member_id
     WHERE k.project_id = m.project_id AND k.member_id = m.id AND k.revoked_at IS NULL) AS active_keys
  FROM members m`

/** A project holds at most this many members (removed ones included): bounded like keys. */
export const MAX_MEMBERS = 500

export async function listMembers(db: D1Database, projectId: string, includeRemoved: boolean): Promise<Member[]> {
  const { results } = await db
    .prepare(`${SELECT} WHERE m.project_id = ?1 AND (?2 = 1 OR m.removed_at IS NULL) ORDER BY m.name, m.id LIMIT ${MAX_MEMBERS}`)
    .bind(projectId, includeRemoved ? 1 : 0)
    .all<MemberRow>()
  return results.map(toMember)
}

/** A member by id, or by email (case-insensitive) when `ref` holds an @; removed ones included. */
export async function findMember(db: D1Database, projectId: string, ref: string): Promise<Member | null> {
  const row = await db
    .prepare(`${SELECT} WHERE m.project_id = ?1 AND (m.id = ?2 OR m.email = lower(?2))`)
    .bind(projectId, ref)
    .first<MemberRow>()
  return row && toMember(row)
}

export async function countMembers(db: D1Database, projectId: string): Promise<number> {
  return (await db.prepare('SELECT COUNT(*) AS n FROM members WHERE project_id = ?1').bind(projectId).first<number>('n')) ?? 0
}

/**
 * Adds a member, or brings back a removed one with the same email (the unique email index keeps removed members);
 * null when an active member already has the email.
 */
export async function addMember(
  db: D1Database,
  projectId: string,
  m: { id: string; name: string; email: string },
  now: number,
): Promise<Member | null> {
  const id = await db
    .prepare(
      `INSERT INTO members (project_id, id, name, email, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (project_id, email) DO UPDATE SET name = excluded.name, removed_at = NULL, created_at = excluded.created_at
         WHERE members.removed_at IS NOT NULL
       RETURNING id`,
    )
    .bind(projectId, m.id, m.name, m.email, now)
    .first<string>('id')
  return id === null ? null : findMember(db, projectId, id)
}

/** Renames a live member or changes their email; 'conflict' when another member has the email. */
export async function updateMember(
  db: D1Database,
  projectId: string,
  id: string,
  patch: { name?: string; email?: string },
): Promise<Member | null | 'conflict'> {
  try {
    const done = await db
      .prepare(
        'UPDATE members SET name = COALESCE(?3, name), email = COALESCE(?4, email) WHERE project_id = ?1 AND id = ?2 AND removed_at IS NULL RETURNING id',
      )
      .bind(projectId, id, patch.name ?? null, patch.email ?? null)
      .first<string>('id')
    return done === null ? null : findMember(db, projectId, id)
  } catch (e) {
    if (/UNIQUE constraint failed/i.test(String((e as Error)?.message))) return 'conflict'
    throw e
  }
}

/** Marks a member removed and revokes their live keys, in one transaction; the ids of the keys revoked. */
export async function removeMember(db: D1Database, projectId: string, id: string, now: number): Promise<string[]> {
  const [, revoked] = await db.batch<{ id: string }>([
    db.prepare('UPDATE members SET removed_at = COALESCE(removed_at, ?3) WHERE project_id = ?1 AND id = ?2').bind(projectId, id, now),
    db
      .prepare('UPDATE api_keys SET revoked_at = ?3 WHERE project_id = ?1 AND member_id = ?2 AND revoked_at IS NULL RETURNING id')
      .bind(projectId, id, now),
  ])
  return revoked.results.map((r) => r.id)
}

/** Live admin keys of the project that do not belong to this member: removing them must leave one. */
export async function adminKeysBesides(db: D1Database, projectId: string, memberId: string): Promise<number> {
  return (
    (await db
      .prepare("SELECT COUNT(*) AS n FROM api_keys WHERE project_id = ?1 AND kind = 'admin' AND revoked_at IS NULL AND member_id IS NOT ?2")
      .bind(projectId, memberId)
      .first<number>('n')) ?? 0
  )
}

/** The member's live keys by kind. */
export async function liveKeyKinds(db: D1Database, projectId: string, memberId: string): Promise<string[]> {
  const { results } = await db
    .prepare('SELECT kind FROM api_keys WHERE project_id = ?1 AND member_id = ?2 AND revoked_at IS NULL')
    .bind(projectId, memberId)
    .all<{ kind: string }>()
  return results.map((r) => r.kind)
}
