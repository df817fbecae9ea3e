import { useState } from 'preact/hooks'
import { api } from '../api'
import { useSession } from '../session'
import type { Member, MemberKey } from '../types'
import { date } from '../ui/formatters'
import { Empty, ErrorState, Loading } from '../ui/states'
import { useApi } from '../ui/use-api'

/** Team: the project's CS members; an admin adds and removes them and issues each a key (its secret shown once). */
export function TeamView() {
  const session = useSession()
  const res = useApi<{ members: Member[] }>('/members')
  const [message, setMessage] = useState('')
  const [issued, setIssued] = useState<{ member: string; key: MemberKey } | null>(null)
  const members = res.data?.members.filter((m) => !m.removed_at) ?? []
  return (
    <div class="team">
      <h1>Team</h1>
      <p class="sr-status" role="status" aria-live="polite">
        {message}
      </p>
      {issued && <IssuedKey issued={issued} close={() => setIssued(null)} />}
      {session.canWrite ? (
        <AddMember
          added={(m) => {
            setMessage(`${m.name} added`)
            res.reload()
          }}
        />
      ) : (
        <p class="hint">Signed in with a read key: an admin key (sk_…) adds and removes members and issues their keys.</p>
      )}
      <section aria-labelledby="members-h">
        <h2 id="members-h">Members</h2>
        {res.error ? (
          <ErrorState error={res.error} retry={res.reload} />
        ) : !res.data ? (
          <Loading label="Loading members…" />
        ) : members.length === 0 ? (
          <Empty title="No team members yet.">Add the people who own accounts; an account’s owner attribute names a member by email.</Empty>
        ) : (
          <ul class="member-list">
            {members.map((m) => (
              <MemberCard
                key={m.id}
                member={m}
                canWrite={session.canWrite}
                isMe={session.me.member?.id === m.id}
                removed={() => {
                  setMessage(`${m.name} removed; their keys are revoked`)
                  res.reload()
                }}
                issued={(key) => {
                  setIssued({ member: m.name, key })
                  res.reload()
                }}
                failed={(e) => setMessage(`Failed: ${(e as Error).message}`)}
              />
            ))}
          </ul>
        )}
      </section>
    </div>
  )
}

function AddMember(props: { added: (m: Member) => void }) {
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  return (
    <form
      class="card add-member"
      aria-labelledby="add-h"
      onSubmit={async (e) => {
        e.preventDefault()
        setBusy(true)
        setError(null)
        try {
          const { member } = await api<{ member: Member }>('/members', { method: 'POST', body: { name: name.trim(), email: email.trim() } })
          setName('')
          setEmail('')
          props.added(member)
        } catch (err) {
          setError(err)
        } finally {
          setBusy(false)
        }
      }}
    >
      <h2 id="add-h">Add a member</h2>
      <div class="field-row">
        <div class="field">
          <label for="m-name">Name</label>
          <input id="m-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} autocomplete="off" />
        </div>
        <div class="field">
          <label for="m-email">Email</label>
          <input
            id="m-email"
            type="email"
            required
            maxLength={320}
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            autocomplete="off"
          />
        </div>
        <button type="submit" disabled={busy}>
          Add member
        </button>
      </div>
      {error !== null && <ErrorState title="Not added" error={error} />}
    </form>
  )
}

function MemberCard(props: {
  member: Member
  canWrite: boolean
  isMe: boolean
  removed: () => void
  issued: (k: MemberKey) => void
  failed: (e: unknown) => void
}) {
  const { member: m } = props
  const [confirming, setConfirming] = useState(false)
  const [kind, setKind] = useState<'read' | 'admin'>('read')
  const id = `mem-${m.id}`
  return (
    <li class="card member" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>
        {m.name}
        {props.isMe && <span class="chip">you</span>}
      </h3>
      <p class="muted">
        {m.email} · {m.active_keys} active {m.active_keys === 1 ? 'key' : 'keys'} · added {date(m.created_at)}
      </p>
      {props.canWrite && (
        <div class="actions">
          <label class="inline" for={`${id}-kind`}>
            <span>Key kind</span>
            <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.currentTarget.value as 'read' | 'admin')}>
              <option value="read">read</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <button
            type="button"
            class="secondary"
            onClick={async () => {
              try {
                props.issued(await api<MemberKey>(`/members/${encodeURIComponent(m.id)}/keys`, { method: 'POST', body: { kind } }))
              } catch (e) {
                props.failed(e)
              }
            }}
          >
            Issue {kind} key for {m.name}
          </button>
          {confirming ? (
            <>
              <button
                type="button"
                class="danger"
                onClick={async () => {
                  try {
                    await api(`/members/${encodeURIComponent(m.id)}`, { method: 'DELETE' })
                    props.removed()
                  } catch (e) {
                    props.failed(e)
                  }
                  setConfirming(false)
                }}
              >
                Confirm: remove {m.name} and revoke keys
              </button>
              <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" class="secondary" onClick={() => setConfirming(true)}>
              Remove {m.name}
            </button>
          )}
        </div>
      )}
    </li>
  )
}

function IssuedKey(props: { issued: { member: string; key: MemberKey }; close: () => void }) {
  const [copied, setCopied] = useState(false)
  const { secret, key } = props.issued.key
  return (
    <div class="card issued" role="alert">
      <h2>
        New {key.kind} key for {props.issued.member}
      </h2>
      <p>Copy it now and hand it over privately: it is shown once and cannot be shown again.</p>
      <div class="secret-row">
        <label for="issued-secret" class="sr-only">
          Secret key
        </label>
        <input id="issued-secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          onClick={() =>
            navigator.clipboard?.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="secondary" onClick={props.close}>
          I have copied it
        </button>
      </div>
    </div>
  )
}
