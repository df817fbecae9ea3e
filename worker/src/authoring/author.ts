import { findMember, type ApiKey } from '../projects'
import type { Author } from './store'

/** Who a secret key speaks for in history: its member's name, else its label, else its kind. */
export async function authorOfKey(db: D1Database, key: ApiKey): Promise<Author> {
  const member = key.memberId ? await findMember(db, key.projectId, key.memberId) : null
  if (member) return { name: member.name, memberId: member.id }
  return { name: key.label || `${key.kind} key`, memberId: null }
}
