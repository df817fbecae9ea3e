import type { z } from '@hono/zod-openapi'
import type { accountDetailSchema } from '../../../shared/api/accounts'
import type { memberListSchema } from '../../../shared/api/members'
import type { accountHealthDetailSchema } from '../../../shared/api/scoring'
import { fmt1 } from '../charts/explanation'
import { ExplanationBars } from '../charts/explanation-bars'
import { HealthHistory, preloadHistoryPlot } from '../charts/health-history'
import { Link } from '../router'
import { BandChip, Delta } from '../ui/bits'
import { date, money, relativeDays, score as fmtScore } from '../ui/formatters'
import { Empty, ErrorState, Loading } from '../ui/states'
import { useApi } from '../ui/use-api'
import { AccountNotes, AccountTimeline } from './account-activity'
import './detail.css'

type AccountDetail = z.infer<typeof accountDetailSchema>
type AccountHealth = z.infer<typeof accountHealthDetailSchema>
type MemberList = z.infer<typeof memberListSchema>
type Feature = AccountHealth['features'][number]

const STATE_LABEL: Record<Feature['state'], string> = { never_tried: 'Never tried', tried: 'Tried', adopted: 'Adopted', lapsed: 'Lapsed' }
/** The account's score to one decimal, as the explanation's sum shows it (a whole number could read 38 beside a sum of 37.9). */
const score1 = (v: number | null) => (v === null ? '—' : fmt1(v))

const STATE_ORDER: Feature['state'][] = ['lapsed', 'never_tried', 'tried', 'adopted']

/** Account 360: who the account is, why its health is what it is, how it moved, what it uses, and what happened. */
export function AccountView({ id }: { id: string }) {
  const enc = encodeURIComponent(id)
  void preloadHistoryPlot()
  const account = useApi<AccountDetail>(`/accounts/${enc}`)
  const health = useApi<AccountHealth>(`/health/accounts/${enc}`)
  if (account.loading && !account.data) return <Loading label="Loading the account…" />
  if (account.error) {
    const notFound = (account.error as { status?: number }).status === 404
    return notFound ? (
      <Empty title={`No account “${id}”`}>
        <Link href="/portfolio">Back to the portfolio</Link>
      </Empty>
    ) : (
      <ErrorState error={account.error} retry={account.reload} />
    )
  }
  const a = account.data!.account
  const h = health.data
  return (
    <div class="account">
      <p class="crumbs">
        <Link href="/portfolio">Portfolio</Link> / {a.name ?? a.id}
      </p>
      <Header account={a} health={h} />
      {health.loading && !h ? (
        <Loading label="Loading its health…" />
      ) : health.error ? (
        (health.error as { status?: number }).status === 404 ? (
          <Empty title="No health score yet">This account has not been scored; the daily run scores it once it has data.</Empty>
        ) : (
          <ErrorState error={health.error} retry={health.reload} />
        )
      ) : (
        h && <HealthSections health={h} detail={account.data!} />
      )}
      <div class="pair">
        <AccountTimeline id={id} />
        <AccountNotes id={id} />
      </div>
    </div>
  )
}

function attr<T>(bag: Record<string, unknown>, key: string, is: (v: unknown) => v is T): T | null {
  const v = bag[key]
  return is(v) ? v : null
}
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isStr = (v: unknown): v is string => typeof v === 'string' && v !== ''

function Header(props: { account: AccountDetail['account']; health: AccountHealth | undefined }) {
  const { account: a, health: h } = props
  const at = a.attributes
  const renewal = attr(at, 'renewal_date', isStr)
  const plan = attr(at, 'plan', isStr) ?? (isStr(a.traits.plan) ? a.traits.plan : null)
  const nps = attr(at, 'nps', isNum)
  const owner = attr(at, 'owner', isStr)
  // the owner attribute names a member by email or id: show their name when the team list knows them
  const members = useApi<MemberList>('/members')
  const member = owner ? members.data?.members.find((m) => m.email === owner.toLowerCase() || m.id === owner) : undefined
  return (
    <header class="account-head card">
      <div class="account-title">
        <h1>{a.name ?? a.id}</h1>
        {h && (
          <span class="account-score" data-testid="account-score">
            <BandChip band={h.band} /> <strong data-testid="header-score">{score1(h.score)}</strong>
            <span class="muted">/ 100</span>{' '}
            {h.trend?.delta30 !== undefined && <Delta value={h.trend?.delta30 ?? null} suffix=" in 30 d" />}
          </span>
        )}
      </div>
      <dl class="facts account-facts">
        <Fact label="ARR" value={money(attr(at, 'arr', isNum))} />
        <Fact label="Seats" value={attr(at, 'seats', isNum)?.toLocaleString('en-US') ?? '—'} />
        <Fact label="Plan" value={plan ?? '—'} />
        <Fact label="Renewal" value={renewal ? `${date(renewal)} (${relativeDays(renewal)})` : '—'} />
        <Fact label="Owner" value={member ? member.name : (owner ?? 'Unassigned')} />
        <Fact label="NPS" value={nps === null ? '—' : String(nps)} />
        <Fact label="Segment" value={h?.segment ?? '—'} />
        <Fact label="Last seen" value={relativeDays(a.last_seen)} />
      </dl>
      {h?.churn_risk && h.churn_reasons && h.churn_reasons.length > 0 && <p class="risk-text">Churn risk: {h.churn_reasons.join('; ')}</p>}
    </header>
  )
}

function Fact(props: { label: string; value: string }) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  )
}

function HealthSections(props: { health: AccountHealth; detail: AccountDetail }) {
  const { health: h, detail } = props
  const x = h.explanation
  return (
    <>
      <div class="pair">
        <section class="card" aria-labelledby="why-h">
          <h2 id="why-h">Why {score1(h.score)}: what each measure gives and costs</h2>
          {x && x.measures.length > 0 && h.score !== null ? (
            <>
              <ExplanationBars measures={x.measures} score={h.score} />
              {x.risk_drivers.length > 0 && (
                <>
                  <h3 class="sub">Costs the most points</h3>
                  <ul class="drivers">
                    {x.risk_drivers.slice(0, 3).map((d) => (
                      <li key={d.measure}>{d.sentence}</li>
                    ))}
                  </ul>
                </>
              )}
            </>
          ) : (
            <Empty title="No explanation stored">The next scoring run stores one with the score.</Empty>
          )}
        </section>
        <section class="card" aria-labelledby="history-h">
          <h2 id="history-h">Health over {h.history.length} days</h2>
          {h.history.length > 0 ? (
            <HealthHistory history={h.history} label={`Health score of ${h.name ?? h.account_id} per day`} />
          ) : (
            <Empty title="No history yet">Each daily run adds a day.</Empty>
          )}
          <p class="muted">
            Model {h.model_version}, profile {h.profile}
          </p>
        </section>
      </div>
      <Usage metrics={h.metrics} />
      <div class="pair">
        <Features features={h.features} />
        <Users users={h.users} detail={detail} />
      </div>
    </>
  )
}

function Usage(props: { metrics: AccountHealth['metrics'] }) {
  const m = props.metrics
  if (!m)
    return (
      <section class="card" aria-labelledby="usage-h">
        <h2 id="usage-h">Usage</h2>
        <Empty title="No usage metrics stored" />
      </section>
    )
  const change = m.value_events_prev_30d > 0 ? (m.value_events_30d / m.value_events_prev_30d - 1) * 100 : null
  const tiles: [string, string, string?][] = [
    ['Active users, 7 d', m.active_users_7d.toLocaleString('en-US')],
    ['Active users, 28 d', m.active_users_28d.toLocaleString('en-US')],
    ['Logins, 30 d', m.logins_30d.toLocaleString('en-US')],
    ['Time in product, 30 d', `${m.time_in_product_hours_30d.toFixed(1)} h`],
    [
      'Value events, 30 d',
      m.value_events_30d.toLocaleString('en-US'),
      `${m.value_events_prev_30d.toLocaleString('en-US')} the 30 d before${change === null ? '' : ` (${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(0)} %)`}`,
    ],
    ['Stickiness', m.stickiness === null ? '—' : `${Math.round(m.stickiness * 100)} %`, 'active days per active user / 30'],
  ]
  return (
    <section class="card" aria-labelledby="usage-h">
      <h2 id="usage-h">Usage</h2>
      <ul class="tiles">
        {tiles.map(([label, value, note]) => (
          <li key={label}>
            <span class="tile-label">{label}</span>
            <strong class="tile-value">{value}</strong>
            {note && <small class="muted">{note}</small>}
          </li>
        ))}
      </ul>
    </section>
  )
}

function Features(props: { features: Feature[] }) {
  const fs = [...props.features].sort(
    (a, b) =>
      STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || Number(b.core) - Number(a.core) || a.name.localeCompare(b.name),
  )
  return (
    <section class="card" aria-labelledby="features-h">
      <h2 id="features-h">Feature adoption</h2>
      {fs.length === 0 ? (
        <Empty title="No features registered">Register features to see which ones this account uses.</Empty>
      ) : (
        <div class="tbl-box">
          <table class="plain stack">
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">State</th>
                <th scope="col" class="num">
                  Users 30 d
                </th>
                <th scope="col" class="num">
                  Days to first use
                </th>
                <th scope="col">Last used</th>
              </tr>
            </thead>
            <tbody>
              {fs.map((f) => (
                <tr key={f.key} data-testid="feature-row">
                  <th scope="row">
                    {f.name}
                    {f.core && <span class="tag">core</span>}
                  </th>
                  <td data-label="State">
                    <span class={`state-chip state-${f.state}`}>{STATE_LABEL[f.state]}</span>
                  </td>
                  <td class="num" data-label="Users 30 d">
                    {f.users_30d}
                  </td>
                  <td class="num" data-label="Days to first use">
                    {f.days_to_first_use ?? '—'}
                  </td>
                  <td data-label="Last used">{date(f.last_used)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function Users(props: { users: AccountHealth['users']; detail: AccountDetail }) {
  const activity = new Map(props.detail.users.map((u) => [u.id, u]))
  const users = [...props.users].sort((a, b) => (b.score ?? -1) - (a.score ?? -1))
  return (
    <section class="card" aria-labelledby="users-h">
      <h2 id="users-h">Users and their adoption scores</h2>
      {users.length === 0 ? (
        <Empty title="No users scored" />
      ) : (
        <div class="tbl-box">
          <table class="plain stack">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col" class="num">
                  Score
                </th>
                <th scope="col">Profile</th>
                <th scope="col" class="num">
                  Active days 30 d
                </th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const act = activity.get(u.user_id)
                const email = act && typeof act.traits.email === 'string' ? act.traits.email : null
                return (
                  <tr key={u.user_id}>
                    <th scope="row">
                      {u.user_id}
                      {email && <small class="muted block">{email}</small>}
                    </th>
                    <td class="num" data-label="Score">
                      {fmtScore(u.score)}
                    </td>
                    <td data-label="Profile">{u.profile}</td>
                    <td class="num" data-label="Active days 30 d">
                      {act?.active_days_30d ?? '—'}
                    </td>
                    <td data-label="Last seen">{relativeDays(act?.last_seen)}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
