/** Contract of an account's notes and timeline (/api/v1/accounts/{id}/notes, /timeline). snake_case. */
import { z } from '@hono/zod-openapi'

/** Longest note body, in characters. */
export const MAX_NOTE_CHARS = 4000

const AT = '2026-06-02T09:30:00.000Z'

export const noteBodyText = z
  .string()
  .trim()
  .min(1)
  .max(MAX_NOTE_CHARS)
  .openapi({ description: `The note, 1-${MAX_NOTE_CHARS} characters` })

export const noteAuthorSchema = z
  .object({
    member_id: z.string().nullable().openapi({ description: 'The member whose key wrote it; null for a project key' }),
    name: z.string().openapi({ description: "The member's name, else the key's label" }),
  })
  .openapi('NoteAuthor')

const NOTE = {
  id: 7,
  account_id: 'globex',
  alert_id: 41,
  author: { member_id: 'mem_dana', name: 'Dana' },
  body: 'Called their admin: the export moved to a new menu; walkthrough booked Thursday.',
  created_at: AT,
}

export const noteSchema = z
  .object({
    id: z.number().int(),
    account_id: z.string(),
    alert_id: z.number().int().nullable().openapi({ description: 'The alert the note is about, if any' }),
    author: noteAuthorSchema,
    body: z.string(),
    created_at: z.iso.datetime(),
  })
  .openapi('Note', { example: NOTE })

export const noteListSchema = z.object({ notes: z.array(noteSchema) }).openapi('NoteList', { example: { notes: [NOTE] } })

export const newNoteBodySchema = z
  .strictObject({
    body: noteBodyText,
    alert_id: z.number().int().positive().optional().openapi({ description: 'An alert of the same account' }),
  })
  .openapi('NewNote', { example: { body: NOTE.body, alert_id: 41 } })

export const noteResultSchema = z.object({ note: noteSchema }).openapi('NoteResult', { example: { note: NOTE } })

export const TIMELINE_KINDS = ['alert', 'nudge_shown', 'nudge_answered', 'outcome', 'note'] as const

export const timelineItemSchema = z
  .object({
    at: z.iso.datetime(),
    kind: z.enum(TIMELINE_KINDS),
    title: z.string(),
    detail: z.string().nullable(),
    ref: z.string().nullable().openapi({ description: 'What the item is about: `alert:41`, `nudge:export-tip`, `outcome:3`, `note:7`' }),
  })
  .openapi('TimelineItem')

export const timelineSchema = z.object({ account_id: z.string(), items: z.array(timelineItemSchema) }).openapi('Timeline', {
  example: {
    account_id: 'globex',
    items: [
      { at: AT, kind: 'note', title: 'Note by Dana', detail: NOTE.body, ref: 'note:7' },
      { at: '2026-06-01T03:17:02.000Z', kind: 'alert', title: 'Score drop', detail: 'score down 12 points in 7 days', ref: 'alert:41' },
      {
        at: '2026-05-28T14:02:00.000Z',
        kind: 'nudge_answered',
        title: 'NPS survey answered',
        detail: 'u_42 · score 6',
        ref: 'nudge:nps-q2',
      },
      { at: '2026-05-20T11:40:00.000Z', kind: 'nudge_shown', title: 'Export tip shown', detail: 'u_42', ref: 'nudge:export-tip' },
    ],
  },
})
