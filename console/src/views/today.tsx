import { useState } from 'preact/hooks'
import { api } from '../api'
import { Link, navigate, useLocation } from '../router'
import { useSession } from '../session'
import type { Member, Mover, QueueAlert } from '../types'
import { BandChip, Delta, Toggle } from '../ui/bits'
import { date, money, relativeDays, score } from '../ui/formatters'
import { Empty, ErrorState, Loading } from '../ui/states'
import { useApi } from '../ui/use-api'

type Who = 'me' | 'everyone'
type Status = 'active' | 'snoozed' | 'done'
const DAY_MS = 86_400_000

const STATUS_OPTIONS = [
  { value: 'active', label: 'To do' },
  { value: 'snoozed', label: 'Snoozed' },
  { value: 'done', label: 'Done' },
] as const

/** Today: the alert queue to work (mine or everyone's, recommended order) and the accounts whose score moved most. */
export function TodayView() {
  const session = useSession()
  const { query } = useLocation()
  const who: Who = query.get('who') === 'everyone' || !session.me.member ? 'everyone' : 'me'
  const status = (STATUS_OPTIONS.some((o) => o.value === query.get('status')) ? query.get('status') : 'active') as Status
  const days = query.get('movers') === '30' ? 30 : 7
  const set = (k: string, v: string | null) => {
    const q = new URLSearchParams(query)
    if (v === null) q.delete(k)
    else q.set(k, v)
    const s = q.toString()
    navigate(s ? `/?${s}` : '/', { replace: true })
  }
  return (
    <div class="today">
      <h1>Today</h1>
      <div class="columns">
        <section aria-labelledby="queue-h" class="queue">
          <div class="section-head">
            <h2 id="queue-h">Alerts to work</h2>
            <div class="controls">
              {session.me.member && (
                <Toggle
                  label="Whose alerts"
                  value={who}
                  options={[
                    { value: 'me', label: 'Mine' },
                    { value: 'everyone', label: 'Everyone' },
                  ]}
                  onChange={(v) => set('who', v === 'me' ? null : v)}
                />
              )}
              <Toggle label="Status" value={status} options={STATUS_OPTIONS} onChange={(v) => set('status', v === 'active' ? null : v)} />
            </div>
          </div>
          <Queue who={who} status={status} />
        </section>
        <section aria-labelledby="movers-h" class="movers">
          <div class="section-head">
            <h2 id="movers-h">Score movers</h2>
            <Toggle
              label="Moved over"
              value={String(days) as '7' | '30'}
              options={[
                { value: '7', label: '7 days' },
                { value: '30', label: '30 days' },
              ]}
              onChange={(v) => set('movers', v === '7' ? null : v)}
            />
          </div>
          <Movers days={days} />
        </section>
      </div>
    </div>
  )
}

function Queue(props: { who: Who; status: Status }) {
  const session = useSession()
  const owner = props.who === 'me' ? '&owner=me' : ''
  const alerts = useApi<{ alerts: QueueAlert[] }>(`/alerts?status=${props.status}${owner}&order=recommended&limit=100`)
  // the owner picker's members are asked once the queue is drawn, so they never delay it
  const members = useApi<{ members: Member[] }>(session.canWrite && alerts.data ? '/members' : null)
  const [message, setMessage] = useState('')

  const memberList = members.data?.members.filter((m) => !m.removed_at) ?? []
  const ownerName = (o: string | null) => {
    if (!o) return 'Unassigned'
    const m = memberList.find((x) => x.email === o.toLowerCase() || x.id === o)
    return m ? m.name : o
  }

  /** One PATCH, then the queue reloaded in the server's order; the outcome is announced. */
  const act = async (a: QueueAlert, body: Record<string, unknown>, done: string) => {
    try {
      await api(`/alerts/${a.id}`, { method: 'PATCH', body })
      setMessage(done)
      alerts.reload()
      return true
    } catch (e) {
      setMessage(`Failed: ${(e as Error).message}`)
      return false
    }
  }

  let body
  if (alerts.error) body = <ErrorState error={alerts.error} retry={alerts.reload} />
  else if (!alerts.data) body = <Loading label="Loading alerts…" />
  else if (alerts.data.alerts.length === 0)
    body = (
      <Empty title={props.status === 'active' ? 'Nothing to work on: no open alerts.' : `No ${props.status} alerts.`}>
        {props.who === 'me' ? 'Switch to “Everyone” to see the whole team’s queue.' : 'Alerts appear after the daily scoring run.'}
      </Empty>
    )
  else
    body = (
      <ol class="alert-list" aria-busy={alerts.loading}>
        {alerts.data.alerts.map((a) => (
          <AlertCard
            key={a.id}
            alert={a}
            canWrite={session.canWrite}
            me={session.me.member}
            members={memberList}
            ownerName={ownerName}
            act={act}
          />
        ))}
      </ol>
    )
  return (
    <>
      <p class="sr-status" role="status" aria-live="polite">
        {message}
      </p>
      {!session.canWrite && (
        <p class="hint">Signed in with a read key: sign in with an admin key (sk_…) to assign, snooze or close alerts.</p>
      )}
      {body}
    </>
  )
}

function AlertCard(props: {
  alert: QueueAlert
  canWrite: boolean
  me: { id: string; email: string } | null
  members: Member[]
  ownerName: (o: string | null) => string
  act: (a: QueueAlert, body: Record<string, unknown>, done: string) => Promise<boolean>
}) {
  const { alert: a, canWrite, act } = props
  const [noting, setNoting] = useState(false)
  const [note, setNote] = useState('')
  const acc = a.account
  const name = acc?.name ?? a.account_id
  const status = a.status
  const snoozed = status === 'snoozed' && a.snoozed_until
  const id = `alert-${a.id}`
  const snoozeFor = (d: number) =>
    act(a, { status: 'snoozed', snoozed_until: new Date(Date.now() + d * DAY_MS).toISOString() }, `${name}: snoozed ${d} d`)
  return (
    <li class="card alert" aria-labelledby={`${id}-h`} data-alert-id={a.id}>
      <div class="alert-head">
        <h3 id={`${id}-h`}>
          <Link href={`/accounts/${encodeURIComponent(a.account_id)}`}>{name}</Link>
        </h3>
        <span class="chip kind">{a.kind.replace(/_/g, ' ')}</span>
        {acc && <BandChip band={acc.band} />}
      </div>
      <p class="reason">{a.reason}</p>
      <dl class="facts">
        <div>
          <dt>Score</dt>
          <dd>{score(acc?.score)}</dd>
        </div>
        <div>
          <dt>ARR</dt>
          <dd>{money(acc?.arr)}</dd>
        </div>
        <div>
          <dt>Renewal</dt>
          <dd>{acc?.renewal_date ? `${date(acc.renewal_date)} (${relativeDays(acc.renewal_date)})` : '—'}</dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{a.owner_member?.name ?? props.ownerName(a.owner)}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            {snoozed ? `Snoozed until ${date(a.snoozed_until)}` : status === 'done' ? `Done ${a.done_at ? date(a.done_at) : ''}` : 'Open'}
          </dd>
        </div>
        <div>
          <dt>Raised</dt>
          <dd>{relativeDays(a.created_at)}</dd>
        </div>
      </dl>
      {a.priority_reasons.length > 0 && <p class="why">Why first: {a.priority_reasons.join(' · ')}</p>}
      {canWrite && (
        <div class="actions">
          {status !== 'done' && (
            <button type="button" onClick={() => act(a, { status: 'done' }, `${name}: marked done`)}>
              Done
            </button>
          )}
          {status !== 'open' && (
            <button type="button" class="secondary" onClick={() => act(a, { status: 'open', snoozed_until: null }, `${name}: reopened`)}>
              Reopen
            </button>
          )}
          {status === 'open' && (
            <>
              <button type="button" class="secondary" onClick={() => snoozeFor(1)}>
                Snooze 1 d
              </button>
              <button type="button" class="secondary" onClick={() => snoozeFor(7)}>
                Snooze 7 d
              </button>
            </>
          )}
          {props.me && a.owner_member?.id !== props.me.id && (
            <button type="button" class="secondary" onClick={() => act(a, { owner: props.me!.email }, `${name}: assigned to you`)}>
              Assign to me
            </button>
          )}
          {props.members.length > 0 && (
            <label class="inline">
              <span>Owner</span>
              <select
                value={a.owner_member?.email ?? a.owner ?? ''}
                onChange={(e) => {
                  const v = e.currentTarget.value
                  act(a, { owner: v || null }, `${name}: ${v ? `assigned to ${props.ownerName(v)}` : 'unassigned'}`)
                }}
              >
                <option value="">Unassigned</option>
                {props.members.map((m) => (
                  <option key={m.id} value={m.email}>
                    {m.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" class="secondary" aria-expanded={noting} aria-controls={`${id}-note`} onClick={() => setNoting(!noting)}>
            Add note
          </button>
        </div>
      )}
      {canWrite && noting && (
        <form
          id={`${id}-note`}
          class="note-form"
          onSubmit={async (e) => {
            e.preventDefault()
            if (!note.trim()) return
            if (await act(a, { note: note.trim() }, `${name}: note saved`)) {
              setNote('')
              setNoting(false)
            }
          }}
        >
          <label for={`${id}-note-body`}>Note on {name}</label>
          <textarea
            id={`${id}-note-body`}
            rows={3}
            maxLength={4000}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
            required
          />
          <button type="submit">Save note</button>
        </form>
      )}
    </li>
  )
}

function Movers(props: { days: number }) {
  const movers = useApi<{ days: number; items: Mover[] }>(`/health/movers?days=${props.days}&limit=10`)
  if (movers.error) return <ErrorState error={movers.error} retry={movers.reload} />
  if (!movers.data) return <Loading label="Loading movers…" />
  if (movers.data.items.length === 0)
    return <Empty title={`No score moved in the last ${props.days} days.`}>Movers need at least two scoring runs.</Empty>
  return (
    <ol class="mover-list">
      {movers.data.items.map((m) => (
        <li key={m.account_id} class="card mover">
          <div class="mover-head">
            <Link href={`/accounts/${encodeURIComponent(m.account_id)}`}>{m.name ?? m.account_id}</Link>
            <span class="mover-score">
              {score(m.previous_score)} → {score(m.score)} <Delta value={m.delta} />
            </span>
          </div>
          <p class="reason">
            {m.previous_band && m.previous_band !== m.band && (
              <>
                <BandChip band={m.previous_band} /> → <BandChip band={m.band} />{' '}
              </>
            )}
            {m.reason}
          </p>
        </li>
      ))}
    </ol>
  )
}
