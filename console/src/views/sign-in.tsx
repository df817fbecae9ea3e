import { useState } from 'preact/hooks'
import { whoIs, type Session } from '../session'
import { ErrorState } from '../ui/states'

/** Sign-in with a read (rk_…) or admin (sk_…) key; the key stays in this tab's sessionStorage only. */
export function SignIn(props: { onSignedIn: (key: string, session: Session) => void }) {
  const [key, setKey] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const submit = async (e: Event) => {
    e.preventDefault()
    const k = key.trim()
    if (!k) return setError(new Error('Enter a key.'))
    setBusy(true)
    setError(null)
    try {
      props.onSignedIn(k, await whoIs(k))
    } catch (err) {
      setError((err as { status?: number }).status === 401 ? new Error('That key was not accepted: check it and try again.') : err)
      setBusy(false)
    }
  }
  return (
    <main id="main" class="sign-in">
      <h1>Uptake</h1>
      <p class="lede">Customer success console: who needs you today, your book of business, renewals at risk.</p>
      <form onSubmit={submit} class="card" aria-describedby="key-hint">
        <label for="key">API key</label>
        <input
          id="key"
          name="key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          placeholder="rk_… or sk_…"
          required
        />
        <p id="key-hint" class="hint">
          A read key (<code>rk_…</code>) can look; an admin key (<code>sk_…</code>) can also assign, snooze and close alerts. On the local
          demo: <code>rk_demo</code>. The key is kept in this tab only.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error !== null && <ErrorState title="Not signed in" error={error} />}
      </form>
    </main>
  )
}
