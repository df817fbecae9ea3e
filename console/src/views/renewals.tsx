import { Link, navigate, useLocation } from '../router'
import type { RenewalsReport } from '../types'
import { BandChip, Toggle } from '../ui/bits'
import { date, money, score } from '../ui/formatters'
import { Empty, ErrorState, Loading } from '../ui/states'
import { useApi } from '../ui/use-api'

const WINDOWS = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '180', label: '180 days' },
] as const
type Window = (typeof WINDOWS)[number]['value']

/** Renewals in the next 30 / 90 / 180 days with health, and ARR at risk (renewing while not green) by segment. */
export function RenewalsView() {
  const { query } = useLocation()
  const within = (WINDOWS.some((w) => w.value === query.get('within')) ? query.get('within') : '90') as Window
  const res = useApi<RenewalsReport>(`/renewals?within_days=${within}`)
  const r = res.data
  return (
    <div class="renewals">
      <div class="section-head">
        <h1>Renewals</h1>
        <Toggle
          label="Renewing within"
          value={within}
          options={WINDOWS}
          onChange={(v) => navigate(v === '90' ? '/renewals' : `/renewals?within=${v}`, { replace: true })}
        />
      </div>
      {res.error ? (
        <ErrorState error={res.error} retry={res.reload} />
      ) : !r ? (
        <Loading label="Loading renewals…" />
      ) : (
        <>
          <dl class="totals" aria-label={`Next ${r.within_days} days`}>
            <div class="card">
              <dt>Renewing</dt>
              <dd>{r.totals.accounts} accounts</dd>
            </div>
            <div class="card">
              <dt>ARR renewing</dt>
              <dd>{money(r.totals.arr)}</dd>
            </div>
            <div class={`card ${r.totals.arr_at_risk > 0 ? 'risk' : ''}`}>
              <dt>ARR at risk</dt>
              <dd>{money(r.totals.arr_at_risk)}</dd>
            </div>
          </dl>
          {r.items.length === 0 ? (
            <Empty title={`No renewal in the next ${r.within_days} days.`}>
              Renewal dates come from the account attribute renewal_date.
            </Empty>
          ) : (
            <>
              <section aria-labelledby="seg-h">
                <h2 id="seg-h">ARR at risk by segment</h2>
                <ul class="segment-bars">
                  {r.by_segment.map((s) => {
                    const pct = s.arr > 0 ? Math.round((s.arr_at_risk / s.arr) * 100) : 0
                    return (
                      <li key={s.segment ?? ''}>
                        <span class="seg-name">{s.segment ?? 'No segment'}</span>
                        <span class="bar" role="img" aria-label={`${pct}% of ${money(s.arr)} at risk`}>
                          <span class="bar-fill" style={{ width: `${pct}%` }} />
                        </span>
                        <span class="seg-figures">
                          {money(s.arr_at_risk)} of {money(s.arr)} at risk · {s.accounts} {s.accounts === 1 ? 'account' : 'accounts'}
                        </span>
                      </li>
                    )
                  })}
                </ul>
              </section>
              <section aria-labelledby="list-h">
                <h2 id="list-h">Renewing accounts</h2>
                <div class="table-box">
                  <table class="accounts renewals-table">
                    <thead>
                      <tr>
                        <th scope="col">Account</th>
                        <th scope="col">Renewal</th>
                        <th scope="col" class="num">
                          Days left
                        </th>
                        <th scope="col" class="num">
                          ARR
                        </th>
                        <th scope="col" class="num">
                          Score
                        </th>
                        <th scope="col">Band</th>
                        <th scope="col">Segment</th>
                        <th scope="col">Owner</th>
                        <th scope="col">At risk</th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.items.map((i) => (
                        <tr key={i.account_id} class={i.at_risk ? 'at-risk' : undefined}>
                          <th scope="row" data-label="Account">
                            <Link href={`/accounts/${encodeURIComponent(i.account_id)}`}>{i.name ?? i.account_id}</Link>
                          </th>
                          <td data-label="Renewal">{date(i.renewal_date)}</td>
                          <td data-label="Days left" class="num">
                            {i.days_left}
                          </td>
                          <td data-label="ARR" class="num">
                            {money(i.arr)}
                          </td>
                          <td data-label="Score" class="num">
                            {score(i.score)}
                          </td>
                          <td data-label="Band">
                            <BandChip band={i.band} />
                          </td>
                          <td data-label="Segment">{i.segment ?? '—'}</td>
                          <td data-label="Owner">{i.owner ?? '—'}</td>
                          <td data-label="At risk">{i.at_risk ? <strong class="risk-text">At risk</strong> : 'No'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
            </>
          )}
        </>
      )}
    </div>
  )
}
