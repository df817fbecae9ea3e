import { findMember, type ApiKey } from '../projects'
import { noteAuthor, type Note, type NoteAuthor } from './notes'

interface NoteRow {
  id: number
  account_id: string
  alert_id: number | null
  author_member_id: string | null
  author_label: string
  body: string
  created_at: number
}

const toNote = (r: NoteRow): Note => ({
  id: r.id,
  accountId: r.account_id,
  alertId: r.alert_id,
  authorMemberId: r.author_member_id,
  authorName: r.author_label,
  body: r.body,
  createdAt: r.created_at,
})

const COLUMNS = 'id, account_id, alert_id, author_member_id, author_label, body, created_at'

/** The INSERT of a note (alone, or in a batch with the change it explains). */
export function insertNoteStatement(
  db: D1Database,
  projectId: string,
  n: { accountId: string; alertId: number | null; author: NoteAuthor; body: string },
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO account_notes (project_id, account_id, alert_id, author_member_id, author_label, body, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING ${COLUMNS}`,
    )
    .bind(projectId, n.accountId, n.alertId, n.author.memberId, n.author.name, n.body, now)
}

/** The note a batch's `insertNoteStatement` returned. */
export const insertedNote = (result: D1Result<unknown>): Note => toNote(result.results[0] as NoteRow)

export async function insertNote(
  db: D1Database,
  projectId: string,
  n: { accountId: string; alertId: number | null; author: NoteAuthor; body: string },
  now: number,
): Promise<Note> {
  return toNote((await insertNoteStatement(db, projectId, n, now).first<NoteRow>())!)
}

/** An account's notes, newest first. */
export async function listNotes(db: D1Database, projectId: string, accountId: string, limit: number): Promise<Note[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM account_notes INDEXED BY idx_account_notes_project_id_account_id_created_at
       WHERE project_id = ?1 AND account_id = ?2 ORDER BY created_at DESC, id DESC LIMIT ?3`,
    )
    .bind(projectId, accountId, limit)
    .all<NoteRow>()
  return results.map(toNote)
}

/** The account an alert of this project is about, or null when there is no such alert. */
export async function alertAccount(db: D1Database, projectId: string, alertId: number): Promise<string | null> {
  return db
    .prepare('SELECT account_id FROM account_alerts WHERE project_id = ?1 AND id = ?2')
    .bind(projectId, alertId)
    .first<string>('account_id')
}

/** Who writes with this key: its member (looked up now, so a rename shows on new notes), else the key's label. */
export async function authorOf(db: D1Database, key: ApiKey): Promise<NoteAuthor> {
  const member = key.memberId ? await findMember(db, key.projectId, key.memberId) : null
  return noteAuthor(key, member)
}
