import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { api, ApiFailure, storedKey } from './api'
import type { Me } from './types'

/** Who is signed in: the key's kind and label, and the team member it belongs to (null for a project key). */
export interface Session {
  me: Me
  /** Admin keys may act (assign, snooze, done, notes, team); read keys only look. */
  canWrite: boolean
}

/** Asks the server who `key` belongs to; a write key (wk_…) is refused here: it is public, not a CS sign-in. */
export async function whoIs(key: string): Promise<Session> {
  const me = await api<Me>('/me', { key })
  if (me.key.kind === 'write')
    throw new ApiFailure(
      403,
      'forbidden',
      'That is a write key (wk_…), used by the widget. Sign in with a read (rk_…) or admin (sk_…) key.',
    )
  return { me, canWrite: me.key.kind === 'admin' }
}

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside the signed-in shell')
  return s
}

/** What the header says: the member's name, else the key's label. */
export function displayName(s: Session): string {
  return s.me.member?.name ?? s.me.key.label
}

const ME_STORAGE = 'uptake.console.me'

/** Who the stored key belonged to when last asked, so a reload draws the views at once while /me is asked again. */
export function cachedSession(): Session | null {
  try {
    const key = storedKey()
    const raw = sessionStorage.getItem(ME_STORAGE)
    if (!key || !raw) return null
    const c = JSON.parse(raw) as { last4: string; session: Session }
    return c.last4 === key.slice(-4) && c.session?.me?.key ? c.session : null
  } catch {
    return null
  }
}

export function cacheSession(key: string, s: Session | null): void {
  try {
    if (s === null) sessionStorage.removeItem(ME_STORAGE)
    else sessionStorage.setItem(ME_STORAGE, JSON.stringify({ last4: key.slice(-4), session: s }))
  } catch {
    // storage blocked: /me is asked on every load
  }
}
