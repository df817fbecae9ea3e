import { DAY_MS } from '../lib/days'
import { newIdentitySecret, verifyUserHash } from './identity'

/** After a rotation the previous secret stays valid this long, so backends and pages can switch over. */
export const PREVIOUS_SECRET_MS = DAY_MS

export interface SecretRow {
  secret: string
  previous_secret: string | null
  rotated_at: number
}

/** The project's identity secret as the admin API shows it: when it was rotated, never the secret. */
export interface IdentitySecretStatus {
  rotatedAt: number
  /** Until when the secret before the last rotation still verifies; null when it no longer does. */
  previousValidUntil: number | null
}

const load = (db: D1Database, projectId: string) =>
  db.prepare('SELECT secret, previous_secret, rotated_at FROM identity_secrets WHERE project_id = ?1').bind(projectId).first<SecretRow>()

/** The secrets a user hash may be signed with now: the current one, and the previous one for a day after rotation. */
export function secretsInForce(row: SecretRow | null, now: number): string[] {
  if (!row) return []
  return row.previous_secret && now - row.rotated_at < PREVIOUS_SECRET_MS ? [row.secret, row.previous_secret] : [row.secret]
}

export async function identitySecrets(db: D1Database, projectId: string, now: number): Promise<string[]> {
  return secretsInForce(await load(db, projectId), now)
}

/** Whether `hash` proves the caller is `userId` in this project. */
export async function verifiedUser(
  db: D1Database,
  projectId: string,
  userId: string,
  hash: string | null | undefined,
  now: number,
): Promise<boolean> {
  return verifyUserHash(await identitySecrets(db, projectId, now), userId, hash)
}

export async function identitySecretStatus(db: D1Database, projectId: string, now: number): Promise<IdentitySecretStatus | null> {
  const row = await load(db, projectId)
  if (!row) return null
  const until = row.previous_secret ? row.rotated_at + PREVIOUS_SECRET_MS : null
  return { rotatedAt: row.rotated_at, previousValidUntil: until !== null && until > now ? until : null }
}

/** Creates or rotates the project's secret; the new one is returned once and never shown again. */
export async function rotateIdentitySecret(db: D1Database, projectId: string, now: number): Promise<string> {
  const secret = newIdentitySecret()
  await db
    .prepare(
      `INSERT INTO identity_secrets (project_id, secret, previous_secret, rotated_at) VALUES (?1, ?2, NULL, ?3)
       ON CONFLICT (project_id) DO UPDATE SET previous_secret = identity_secrets.secret, secret = excluded.secret, rotated_at = excluded.rotated_at`,
    )
    .bind(projectId, secret, now)
    .run()
  return secret
}
