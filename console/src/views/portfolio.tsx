import { Sparkline } from '../charts/sparkline'
import {
  applyState,
  BANDS,
  COLUMNS,
  distinct,
  NO_OWNER,
  parseState,
  portfolioCsv,
  stateQuery,
  type Column,
  type PortfolioState,
} from '../portfolio-state'
import { Link, navigate, useLocation } from '../router'
import type { PortfolioAccount } from '../types'
import { BandChip, Delta } from '../ui/bits'
import { bandLabel, date, money, relativeDays, score } from '../ui/formatters'
import { Empty, ErrorState, Loading } from '../ui/states'
import { useApi } from '../ui/use-api'

/** Portfolio: every account with health, trend and commercial fields; filters and sort live in the URL. */
export function PortfolioView() {
  const { query } = useLocation()
  const state = parseState(query)
  const res = useApi<{ items: PortfolioAccount[] }>('/health/accounts?limit=1000&sparkline=true')
  const update = (patch: Partial<PortfolioState>) => {
    const q = stateQuery({ ...state, ...patch })
    navigate(q ? `/portfolio?${q}` : '/portfolio', { replace: true })
  }
  const all = res.data?.items ?? []
  const rows = applyState(all, state)
  const filtered = state.owner !== null || state.segment !== null || state.band !== null || state.churn !== null

  const download = () => {
    const blob = new Blob([portfolioCsv(rows)], { type: 'text/csv;charset=utf-8' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = `uptake-portfolio-${new Date().toISOString().slice(0, 10)}.csv`
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }

  return (
    <div class="portfolio">
      <div class="section-head">
        <h1>Portfolio</h1>
        <button type="button" class="secondary" onClick={download} disabled={!res.data || rows.length === 0}>
          Export CSV ({rows.length} {rows.length === 1 ? 'row' : 'rows'})
        </button>
      </div>
      <form class="filters" aria-label="Filter accounts" onSubmit={(e) => e.preventDefault()}>
        <Select
          id="f-owner"
          label="Owner"
          value={state.owner}
          options={[...distinct(all, (a) => a.owner).map((o) => ({ value: o, label: o })), { value: NO_OWNER, label: 'No owner' }]}
          onChange={(owner) => update({ owner })}
        />
        <Select
          id="f-segment"
          label="Segment"
          value={state.segment}
          options={distinct(all, (a) => a.segment).map((s) => ({ value: s, label: s }))}
          onChange={(segment) => update({ segment })}
        />
        <Select
          id="f-band"
          label="Band"
          value={state.band}
          options={BANDS.map((b) => ({ value: b, label: bandLabel(b) }))}
          onChange={(band) => update({ band: band as PortfolioState['band'] })}
        />
        <Select
          id="f-churn"
          label="Churn risk"
          value={state.churn}
          options={[
            { value: 'yes', label: 'At risk' },
            { value: 'no', label: 'Not at risk' },
          ]}
          onChange={(churn) => update({ churn: churn as PortfolioState['churn'] })}
        />
        <div class="field">
          <label for="f-sort">Sort by</label>
          <select
            id="f-sort"
            value={`${state.sort}:${state.dir}`}
            onChange={(e) => {
              const [sort, dir] = e.currentTarget.value.split(':') as [Column['key'], 'asc' | 'desc']
              update({ sort, dir })
            }}
          >
            {COLUMNS.flatMap((c) => [
              <option key={`${c.key}:asc`} value={`${c.key}:asc`}>
                {c.label} ↑
              </option>,
              <option key={`${c.key}:desc`} value={`${c.key}:desc`}>
                {c.label} ↓
              </option>,
            ])}
          </select>
        </div>
        {filtered && (
          <button type="button" class="secondary small" onClick={() => update({ owner: null, segment: null, band: null, churn: null })}>
            Clear filters
          </button>
        )}
      </form>
      {res.error ? (
        <ErrorState error={res.error} retry={res.reload} />
      ) : !res.data ? (
        <Loading label="Loading accounts…" />
      ) : all.length === 0 ? (
        <Empty title="No accounts scored yet.">
          Accounts appear after the widget or Segment sends events and the daily scoring run has run.
        </Empty>
      ) : rows.length === 0 ? (
        <Empty title="No account matches these filters.">Clear a filter to see more.</Empty>
      ) : (
        <>
          <p class="count" role="status">
            Showing {rows.length} of {all.length} accounts
          </p>
          <div class="table-box">
            <table class="accounts" data-testid="portfolio-table">
              <caption class="sr-only">
                Accounts, sorted by {COLUMNS.find((c) => c.key === state.sort)?.label} {state.dir === 'asc' ? 'ascending' : 'descending'}
              </caption>
              <thead>
                <tr>
                  {COLUMNS.map((c) => (
                    <SortHeader key={c.key} column={c} state={state} onSort={(sort, dir) => update({ sort, dir })} />
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <Row key={a.account_id} a={a} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  )
}

function Select(props: {
  id: string
  label: string
  value: string | null
  options: { value: string; label: string }[]
  onChange: (v: string | null) => void
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value ?? ''} onChange={(e) => props.onChange(e.currentTarget.value || null)}>
        <option value="">All</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  )
}

function SortHeader(props: { column: Column; state: PortfolioState; onSort: (key: Column['key'], dir: 'asc' | 'desc') => void }) {
  const { column: c, state } = props
  const active = state.sort === c.key
  const next = active && state.dir === 'asc' ? 'desc' : 'asc'
  return (
    <th
      scope="col"
      aria-sort={active ? (state.dir === 'asc' ? 'ascending' : 'descending') : undefined}
      class={c.numeric ? 'num' : undefined}
    >
      <button type="button" class="sort" onClick={() => props.onSort(c.key, next)}>
        {c.label}
        <span aria-hidden="true" class="sort-mark">
          {active ? (state.dir === 'asc' ? '▲' : '▼') : ''}
        </span>
        <span class="sr-only">, sort {next === 'asc' ? 'ascending' : 'descending'}</span>
      </button>
    </th>
  )
}

function Row(props: { a: PortfolioAccount }) {
  const { a } = props
  const name = a.name ?? a.account_id
  return (
    <tr data-account-id={a.account_id}>
      <th scope="row" data-label="Account">
        <Link href={`/accounts/${encodeURIComponent(a.account_id)}`}>{name}</Link>
      </th>
      <td data-label="Owner">{a.owner ?? '—'}</td>
      <td data-label="Segment">{a.segment ?? '—'}</td>
      <td data-label="ARR" class="num">
        {money(a.arr)}
      </td>
      <td data-label="Band">
        <BandChip band={a.band} />
      </td>
      <td data-label="Score" class="num score-cell">
        <span class="score-val">
          <span class="score-num">{score(a.score)}</span>
          {a.history_90d && <Sparkline values={a.history_90d} label={`${name}: 90-day health, now ${score(a.score)}`} />}
        </span>
      </td>
      <td data-label="Δ30" class="num">
        <Delta value={a.delta30} />
      </td>
      <td data-label="Renewal" class="nowrap">
        {a.renewal_date ? (
          <>
            {date(a.renewal_date)}
            <br />
            <span class="muted">{relativeDays(a.renewal_date)}</span>
          </>
        ) : (
          '—'
        )}
      </td>
      <td data-label="Last active" class="nowrap">
        {relativeDays(a.last_active)}
      </td>
      <td data-label="Open alerts" class="num">
        {a.open_alerts ?? '—'}
      </td>
      <td data-label="Churn risk" class="reasons">
        {a.churn_risk ? (a.churn_reasons?.length ? a.churn_reasons.join('; ') : 'At risk') : '—'}
      </td>
    </tr>
  )
}
