import type { z } from '@hono/zod-openapi'
import { useState } from 'preact/hooks'
import type { noteListSchema, timelineItemSchema } from '../../../shared/api/notes'
import { api } from '../api'
import { useSession } from '../session'
import { date } from '../ui/formatters'
import { Empty, ErrorState, Loading } from '../ui/states'
import { useApi } from '../ui/use-api'

type TimelineItem = z.infer<typeof timelineItemSchema>
type NoteList = z.infer<typeof noteListSchema>

/** shared/api/notes.ts MAX_NOTE_CHARS, repeated: a value import from the contract would bundle zod. */
const MAX_NOTE_CHARS = 4000

const KIND_LABEL: Record<TimelineItem['kind'], string> = {
  alert: 'Alert',
  nudge_shown: 'Nudge shown',
  nudge_answered: 'Nudge answered',
  outcome: 'Outcome',
  note: 'Note',
}

const time = (iso: string) => `${date(iso)} ${iso.length > 10 ? iso.slice(11, 16) : ''}`.trim()

/** What happened to the account, newest first: alerts, nudges shown and answered, outcomes, notes. */
export function AccountTimeline(props: { id: string }) {
  const t = useApi<{ items: TimelineItem[] }>(`/accounts/${encodeURIComponent(props.id)}/timeline?limit=50`)
  return (
    <section class="card" aria-labelledby="timeline-h">
      <h2 id="timeline-h">Timeline</h2>
      {t.loading && !t.data ? (
        <Loading label="Loading the timeline…" />
      ) : t.error ? (
        <ErrorState error={t.error} retry={t.reload} />
      ) : t.data!.items.length === 0 ? (
        <Empty title="Nothing has happened yet">Alerts, nudges, renewals and notes appear here.</Empty>
      ) : (
        <ol class="timeline">
          {t.data!.items.map((i, n) => (
            <li key={`${i.at}-${n}`} class={`tl tl-${i.kind}`} data-testid="timeline-item">
              <span class="tl-kind">{KIND_LABEL[i.kind] ?? i.kind}</span>
              <time dateTime={i.at}>{time(i.at)}</time>
              <strong class="tl-title">{i.title}</strong>
              {i.detail && <p class="tl-detail">{i.detail}</p>}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

/** The team's notes on the account; admin keys may add one (the author is the key's member). */
export function AccountNotes(props: { id: string }) {
  const { canWrite } = useSession()
  const notes = useApi<NoteList>(`/accounts/${encodeURIComponent(props.id)}/notes`)
  const [body, setBody] = useState('')
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const submit = async (e: Event) => {
    e.preventDefault()
    const text = body.trim()
    if (!text) return
    setSaving(true)
    setError(null)
    try {
      await api(`/accounts/${encodeURIComponent(props.id)}/notes`, { method: 'POST', body: { body: text } })
      setBody('')
      notes.reload()
    } catch (err) {
      setError(err)
    } finally {
      setSaving(false)
    }
  }
  return (
    <section class="card" aria-labelledby="notes-h">
      <h2 id="notes-h">Notes</h2>
      {canWrite ? (
        <form class="note-form" onSubmit={submit}>
          <label for="note-body">Add a note</label>
          <textarea id="note-body" rows={3} maxLength={MAX_NOTE_CHARS} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
          <button type="submit" disabled={saving || body.trim() === ''}>
            {saving ? 'Saving…' : 'Save note'}
          </button>
          {error !== null && <ErrorState title="The note was not saved" error={error} />}
        </form>
      ) : (
        <p class="muted">Sign in with an admin key to add notes.</p>
      )}
      {notes.loading && !notes.data ? (
        <Loading label="Loading notes…" />
      ) : notes.error ? (
        <ErrorState error={notes.error} retry={notes.reload} />
      ) : notes.data!.notes.length === 0 ? (
        <Empty title="No notes yet" />
      ) : (
        <ul class="notes">
          {notes.data!.notes.map((n) => (
            <li key={n.id} data-testid="note">
              <p>{n.body}</p>
              <small class="muted">
                {n.author.name} · {time(n.created_at)}
              </small>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
