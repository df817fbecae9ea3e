/** A scoring run holds its project's lease this long at most: a crashed run's lease expires by itself. */
export const LEASE_MS = 15 * 60_000

export type Lease = { acquired: true; holder: string } | { acquired: false; retryAfterSeconds: number }

/** Takes the project's scoring lease unless a live one is held: one atomic upsert, so two runs never both win. */
export async function acquireLease(db: D1Database, projectId: string, now: number): Promise<Lease> {
  const holder = crypto.randomUUID()
  const won = await db
    .prepare(
      `INSERT INTO scoring_leases (project_id, holder, expires_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (project_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE scoring_leases.expires_at <= ?4
       RETURNING holder`,
    )
    .bind(projectId, holder, now + LEASE_MS, now)
    .first<string>('holder')
  if (won === holder) return { acquired: true, holder }
  const expires = await db
    .prepare('SELECT expires_at FROM scoring_leases WHERE project_id = ?1')
    .bind(projectId)
    .first<number>('expires_at')
  // runs take seconds: suggest a short wait, never longer than a minute
  return { acquired: false, retryAfterSeconds: Math.max(1, Math.min(60, Math.ceil(((expires ?? now) - now) / 1000))) }
}

export async function releaseLease(db: D1Database, projectId: string, holder: string): Promise<void> {
  await db.prepare('DELETE FROM scoring_leases WHERE project_id = ?1 AND holder = ?2').bind(projectId, holder).run()
}

/** Extends a held lease (a queued run renews it with every message); false when another run holds it now. */
export async function renewLease(db: D1Database, projectId: string, holder: string, now: number): Promise<boolean> {
  const res = await db
    // a lapsed lease is not revived: its run already counts as abandoned (GET /scoring/runs shows it failed)
    .prepare('UPDATE scoring_leases SET expires_at = ?3 WHERE project_id = ?1 AND holder = ?2 AND expires_at > ?4')
    .bind(projectId, holder, now + LEASE_MS, now)
    .run()
  return res.meta.changes === 1
}
