/** Notes a CS person writes on an account: who wrote them. Pure. */

export interface Note {
  id: number
  accountId: string
  alertId: number | null
  authorMemberId: string | null
  authorName: string
  body: string
  createdAt: number
}

export interface NoteAuthor {
  memberId: string | null
  name: string
}

/** The author of a note: the key's live member, else the key's label (a project key belongs to nobody). */
export function noteAuthor(
  key: { label: string; memberId: string | null },
  member: { id: string; name: string; removedAt: number | null } | null,
): NoteAuthor {
  if (key.memberId && member && member.id === key.memberId && member.removedAt === null) return { memberId: member.id, name: member.name }
  return { memberId: null, name: key.label.trim() || 'API key' }
}

/** The one wire form of a note. */
export const noteWire = (n: Note) => ({
  id: n.id,
  account_id: n.accountId,
  alert_id: n.alertId,
  author: { member_id: n.authorMemberId, name: n.authorName },
  body: n.body,
  created_at: new Date(n.createdAt).toISOString(),
})
