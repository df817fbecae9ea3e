import type { z } from '@hono/zod-openapi'
import type { retentionReportSchema } from '../../../shared/api/renewals'
import type { accountRankingSchema, indicatorSummaryListSchema, scoringBacktestSchema } from '../../../shared/api/scoring'
import { ForestPlot } from '../charts/forest-plot'
import { pct } from '../charts/funnel'
import { Link } from '../router'
import { useState } from 'preact/hooks'
import { BandChip, Toggle } from '../ui/bits'
import { Empty, ErrorState, Loading } from '../ui/states'
import { useApi } from '../ui/use-api'
import './detail.css'

type Retention = z.infer<typeof retentionReportSchema>
type Backtest = z.infer<typeof scoringBacktestSchema>
type Indicators = z.infer<typeof indicatorSummaryListSchema>
type Ranking = z.infer<typeof accountRankingSchema>

/** Insights: which features predict renewal (forest plot of phi), which leading indicators fire, how well the score ranks churn. */
export function InsightsView() {
  return (
    <div class="insights">
      <h1>Insights</h1>
      <Retention />
      <div class="pair">
        <Indicators />
        <BacktestSummary />
      </div>
    </div>
  )
}

function Retention() {
  const r = useApi<Retention>('/health/retention')
  const rows = r.data ? [...r.data.features].sort((a, b) => (b.phi ?? -2) - (a.phi ?? -2)) : []
  return (
    <section class="card" aria-labelledby="retention-h">
      <h2 id="retention-h">Which features predict renewal</h2>
      {r.loading && !r.data ? (
        <Loading label="Loading the retained-vs-churned table…" />
      ) : r.error ? (
        <ErrorState error={r.error} retry={r.reload} />
      ) : rows.length === 0 ? (
        <Empty title="No features to compare">Register features and record renewal outcomes to see which features predict renewal.</Empty>
      ) : (
        <>
          <p class="lede-small">
            Phi of using each feature with renewing, across {r.data!.accounts_with_outcomes} accounts with a recorded outcome. Dot: phi;
            line: its 95 % interval; filled when the interval leaves out 0.
          </p>
          <ForestPlot rows={rows} />
          <div class="tbl-box">
            <table class="plain stack" aria-label="Features by how well they predict renewal">
              <thead>
                <tr>
                  <th scope="col">Feature</th>
                  <th scope="col">Verdict</th>
                  <th scope="col" class="num">
                    Renewal if used
                  </th>
                  <th scope="col" class="num">
                    Renewal if not
                  </th>
                  <th scope="col" class="num">
                    q
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((f) => (
                  <tr key={f.key}>
                    <th scope="row">{f.name}</th>
                    <td data-label="Verdict">{f.label.replace('_', ' ')}</td>
                    <td class="num" data-label="Renewal if used">
                      <span>
                        {pct(f.ppv)} <small class="muted">of {f.n11 + f.n10}</small>
                      </span>
                    </td>
                    <td class="num" data-label="Renewal if not">
                      <span>
                        {pct(f.npv === null ? null : 1 - f.npv)} <small class="muted">of {f.n01 + f.n00}</small>
                      </span>
                    </td>
                    <td class="num" data-label="q">
                      {qText(f.q_value)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="muted">{r.data!.caveat}</p>
        </>
      )}
    </section>
  )
}

function Indicators() {
  const r = useApi<Indicators>('/health/indicators')
  return (
    <section class="card" aria-labelledby="indicators-h">
      <h2 id="indicators-h">Leading indicators firing now</h2>
      {r.loading && !r.data ? (
        <Loading label="Loading the indicator rules…" />
      ) : r.error ? (
        <ErrorState error={r.error} retry={r.reload} />
      ) : r.data!.rules.length === 0 ? (
        <Empty title="No indicator rules configured" />
      ) : (
        <ul class="rules">
          {r.data!.rules.map((i) => (
            <li key={i.key} data-testid="indicator">
              <div class="rule-head">
                <strong>{i.name}</strong>
                <span class={`tag tag-${i.kind}`}>{i.critical ? `critical ${i.kind}` : i.kind}</span>
              </div>
              <p class="muted">
                {i.description}
                {i.segment && ` (segment ${i.segment})`}
              </p>
              {i.accounts > 0 ? (
                <FlaggedAccounts rule={i.key} count={i.accounts} of={r.data!.scored_accounts} />
              ) : (
                <span class="muted">Flags no account now</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** A q value to two figures, or "< 0.001" (smaller ones differ only in how sure, not in the verdict). */
const qText = (q: number | null) => (q === null ? '—' : q < 0.001 ? '< 0.001' : q.toPrecision(2))

const BANDS = ['red', 'yellow', 'green', 'insufficient_data'] as const

/** The accounts a rule flags, fetched when the list is opened (most at risk first), each linked to its page. */
function FlaggedAccounts(props: { rule: string; count: number; of: number }) {
  const [open, setOpen] = useState(false)
  const r = useApi<Ranking>(open ? `/health/accounts?rule=${encodeURIComponent(props.rule)}&sort=risk&limit=100` : null)
  return (
    <details class="flagged" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Flags {props.count} of {props.of} account{props.of === 1 ? '' : 's'}
      </summary>
      {r.loading && !r.data ? (
        <Loading label="Loading the accounts…" />
      ) : r.error ? (
        <ErrorState error={r.error} retry={r.reload} />
      ) : (
        r.data && (
          <ul class="flagged-list">
            {r.data.items.map((a) => (
              <li key={a.account_id}>
                <Link href={`/accounts/${encodeURIComponent(a.account_id)}`}>{a.name ?? a.account_id}</Link> <BandChip band={a.band} />
              </li>
            ))}
          </ul>
        )
      )}
    </details>
  )
}

const AS_OF = [
  { value: '14', label: '14 d' },
  { value: '30', label: '30 d' },
  { value: '60', label: '60 d' },
  { value: '90', label: '90 d' },
] as const

function BacktestSummary() {
  const [asOf, setAsOf] = useState<(typeof AS_OF)[number]['value']>('30')
  const r = useApi<Backtest>(`/scoring/backtest?days_before=${asOf}`)
  const status = (r.error as { status?: number } | undefined)?.status
  return (
    <section class="card" aria-labelledby="backtest-h">
      <div class="section-head">
        <h2 id="backtest-h">Does the score predict churn?</h2>
        <Toggle label="Score as of, days before the outcome" value={asOf} options={AS_OF} onChange={setAsOf} />
      </div>
      {r.loading && !r.data ? (
        <Loading label="Running the backtest…" />
      ) : r.error ? (
        status === 403 ? (
          <Empty title="The backtest needs an admin key" />
        ) : (
          <ErrorState error={r.error} retry={r.reload} />
        )
      ) : r.data!.report.accounts === 0 ? (
        <Empty title="No account to test">
          {r.data!.not_yet_seen > 0
            ? `${r.data!.not_yet_seen} accounts with an outcome were first seen less than ${asOf} days before it: try a shorter lead time.`
            : 'Record renewals and churns; the backtest scores each account as it was before its outcome.'}
        </Empty>
      ) : (
        <>
          <p>
            {r.data!.report.auc ? (
              <>
                AUC <strong data-testid="backtest-auc">{r.data!.report.auc.auc.toFixed(2)}</strong>{' '}
                <span class="muted">
                  (± {(1.96 * r.data!.report.auc.se).toFixed(2)}; 0.5 is a coin flip, 1 ranks every churned account below every kept one)
                </span>
              </>
            ) : (
              <span class="muted">AUC needs churned and kept accounts both.</span>
            )}
          </p>
          <p class="muted">
            {r.data!.scored} accounts scored as of {r.data!.days_before} days before their outcome; {r.data!.report.churned} churned.
          </p>
          <div class="tbl-box">
            <table class="plain stack">
              <caption class="sr-only">Churn rate per band</caption>
              <thead>
                <tr>
                  <th scope="col">Band then</th>
                  <th scope="col" class="num">
                    Accounts
                  </th>
                  <th scope="col" class="num">
                    Churned
                  </th>
                  <th scope="col" class="num">
                    Churn rate (95 %)
                  </th>
                </tr>
              </thead>
              <tbody>
                {BANDS.map((b) => {
                  const o = r.data!.report.bands[b]
                  if (!o) return null
                  return (
                    <tr key={b}>
                      <th scope="row">
                        <BandChip band={b} />
                      </th>
                      <td class="num" data-label="Accounts">
                        {o.accounts}
                      </td>
                      <td class="num" data-label="Churned">
                        {o.churned}
                      </td>
                      <td class="num" data-label="Churn rate (95 %)">
                        <span>
                          {pct(o.churn_rate)}
                          {o.ci95 && (
                            <small class="muted">
                              {' '}
                              ({pct(o.ci95[0])}–{pct(o.ci95[1])})
                            </small>
                          )}
                        </span>
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}
