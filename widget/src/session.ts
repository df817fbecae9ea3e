import { uuid } from './ids'
import { load, save } from './storage'

interface SessionState {
  id: string
  lastActivity: number
  /** A login ('Signed In') was already counted for this session. */
  loggedIn: boolean
}

/**
 * Sessions end after `timeoutMs` without activity; shared by tabs through localStorage.
 * `touch` reports whether this activity started a new session.
 */
export class Session {
  state: SessionState

  readonly #now: () => number

  constructor(
    public timeoutMs: number,
    now = () => Date.now(),
  ) {
    this.#now = now
    this.state = load<SessionState>('session') ?? { id: '', lastActivity: 0, loggedIn: false }
  }

  touch(): boolean {
    const stored = load<SessionState>('session')
    if (stored && stored.lastActivity > this.state.lastActivity) this.state = stored // another tab was active
    const t = this.#now()
    const fresh = !this.state.id || t - this.state.lastActivity > this.timeoutMs
    if (fresh) this.state = { id: uuid(), lastActivity: t, loggedIn: false }
    else this.state.lastActivity = t
    save('session', this.state)
    return fresh
  }

  /** Ends the session now (sign-out): the next activity starts a new one, and the next sign-in counts. */
  end(): void {
    this.state = { id: '', lastActivity: 0, loggedIn: false }
    save('session', this.state)
  }

  /** Marks the login as counted; false when it already was (so a second 'Signed In' is not sent). */
  markLogin(): boolean {
    if (this.state.loggedIn) return false
    this.state.loggedIn = true
    save('session', this.state)
    return true
  }
}
