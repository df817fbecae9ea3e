import { useEffect, useState } from 'preact/hooks'
import { onUnauthorised, storedKey, storeKey } from './api'
import { lazyView } from './lazy'
import { Link, navigate, useLocation } from './router'
import { cachedSession, cacheSession, displayName, SessionContext, whoIs, type Session } from './session'
import { Empty, ErrorState, Loading } from './ui/states'
import { SignIn } from './views/sign-in'
import { TodayView } from './views/today'

const PortfolioView = lazyView(() => import('./views/portfolio').then((m) => m.PortfolioView))
const RenewalsView = lazyView(() => import('./views/renewals').then((m) => m.RenewalsView))
const TeamView = lazyView(() => import('./views/team').then((m) => m.TeamView))

const AccountView = lazyView(() => import('./views/account').then((m) => m.AccountView))
const InsightsView = lazyView(() => import('./views/insights').then((m) => m.InsightsView))
const NudgesView = lazyView(() => import('./views/nudges').then((m) => m.NudgesView))

const NAV = [
  { href: '/', label: 'Today' },
  { href: '/portfolio', label: 'Portfolio' },
  { href: '/renewals', label: 'Renewals' },
  { href: '/insights', label: 'Insights' },
  { href: '/nudges', label: 'Nudges' },
  { href: '/team', label: 'Team' },
]

function Route(props: { path: string }) {
  const { path } = props
  if (path === '/' || path === '/today') return <TodayView />
  if (path === '/portfolio') return <PortfolioView />
  if (path === '/renewals') return <RenewalsView />
  if (path === '/insights') return <InsightsView />
  if (path === '/nudges') return <NudgesView />
  if (path === '/team') return <TeamView />
  const account = /^\/accounts\/([^/]+)\/?$/.exec(path)
  if (account) {
    let id: string
    try {
      id = decodeURIComponent(account[1])
    } catch {
      id = account[1]
    }
    return <AccountView key={id} id={id} />
  }
  return (
    <Empty title="No such page">
      <Link href="/">Go to Today</Link>
    </Empty>
  )
}

function Shell(props: { session: Session; signOut: () => void }) {
  const { path } = useLocation()
  const section = '/' + (path.split('/')[1] ?? '')
  const current = (href: string) =>
    href === '/' ? section === '/' || section === '/today' : section === href || (href === '/portfolio' && section === '/accounts')
  useEffect(() => {
    const label = NAV.find((n) => current(n.href))?.label
    document.title = label ? `${label} · Uptake` : 'Uptake'
  }, [path])
  const { session } = props
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          Uptake
        </Link>
        <nav aria-label="Console">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={current(n.href) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="who-name" data-testid="signed-in-as">
            {displayName(session)}
            <span class={`kind kind-${session.me.key.kind}`}>{session.canWrite ? 'admin' : 'read only'}</span>
          </span>
          <button type="button" class="secondary small" onClick={props.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Route path={path} />
      </main>
    </SessionContext.Provider>
  )
}

/** The console: sign-in until a key is accepted, then the shell with its routed views. */
export function App() {
  const [session, setSession] = useState<Session | null>(cachedSession)
  const [restoring, setRestoring] = useState(() => storedKey() !== null && session === null)
  const [restoreError, setRestoreError] = useState<unknown>(null)

  /** Asks who the stored key is (again): a cached session shows the views meanwhile; a refused key signs out. */
  const restore = () => {
    const key = storedKey()
    if (!key) return setRestoring(false)
    setRestoreError(null)
    whoIs(key).then(
      (s) => {
        cacheSession(key, s)
        setSession(s)
        setRestoring(false)
      },
      (e) => {
        if ((e as { status?: number }).status === 401) forget()
        else if (!cachedSession()) setRestoreError(e)
        setRestoring(false)
      },
    )
  }
  const forget = () => {
    cacheSession('', null)
    storeKey(null)
    setSession(null)
  }
  useEffect(() => {
    // with a cached session the views' own requests go first; who the key is gets re-checked just after
    if (!session) return restore()
    const t = setTimeout(restore, 1500)
    return () => clearTimeout(t)
  }, [])
  useEffect(() => onUnauthorised(forget), [])

  const signOut = () => {
    forget()
    navigate('/')
  }

  if (restoring) return <Loading label="Signing in…" />
  if (restoreError)
    return (
      <main id="main" class="narrow">
        <ErrorState title="Could not sign in" error={restoreError} retry={restore} />
        <button type="button" class="secondary" onClick={signOut}>
          Use another key
        </button>
      </main>
    )
  if (!session)
    return (
      <SignIn
        onSignedIn={(key, s) => {
          storeKey(key)
          cacheSession(key, s)
          setSession(s)
        }}
      />
    )
  return <Shell session={session} signOut={signOut} />
}
