import type { z } from '@hono/zod-openapi'
import type { missingAnchorListSchema, nudgeListSchema, nudgePerformanceSchema } from '../../../shared/api/nudges'
import { Funnel } from '../charts/funnel-chart'
import { pct } from '../charts/funnel'
import { date } from '../ui/formatters'
import { Empty, ErrorState, Loading } from '../ui/states'
import { useApi } from '../ui/use-api'
import { OpenInAppButton } from './authoring'
import './detail.css'

type NudgeList = z.infer<typeof nudgeListSchema>
type Nudge = NudgeList['nudges'][number]
type Performance = z.infer<typeof nudgePerformanceSchema>
type Lift = NonNullable<Performance['overall']>

/** Nudges: did each one work? Its funnel, conversion against the holdout with the interval, per segment; broken anchors. */
export function NudgesView() {
  const list = useApi<NudgeList>('/nudges')
  return (
    <div class="nudges">
      <h1>Nudges</h1>
      <p class="lede-small">
        Lift is the conversion of users shown a nudge minus that of its holdout (users kept from seeing it), in percentage points, with its
        95 % interval; an interval that leaves out 0 means the nudge made a difference.
      </p>
      <OpenInAppButton />
      <Anchors />
      {list.loading && !list.data ? (
        <Loading label="Loading nudges…" />
      ) : list.error ? (
        <ErrorState error={list.error} retry={list.reload} />
      ) : list.data!.nudges.length === 0 ? (
        <Empty title="No nudges yet">
          Build one in your app with the builder (Open in my app, above), or with PUT /api/v1/nudges/{'{key}'}.
        </Empty>
      ) : (
        <ul class="nudge-list">
          {list.data!.nudges.map((n) => (
            <NudgeCard key={n.key} nudge={n} />
          ))}
        </ul>
      )}
    </div>
  )
}

function text(v: unknown): string {
  if (typeof v === 'string') return v
  if (v && typeof v === 'object' && 'default' in v && typeof (v as { default: unknown }).default === 'string')
    return (v as { default: string }).default
  return ''
}

/** Lift in percentage points with a sign ("+12.5 pp"). */
const pp = (v: number | null) => (v === null ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)} pp`)
const interval = (ci: [number, number] | null) => (ci ? `${pp(ci[0])} to ${pp(ci[1])}` : 'no interval yet')

function NudgeCard(props: { nudge: Nudge }) {
  const n = props.nudge
  const perf = useApi<Performance>(`/nudges/${encodeURIComponent(n.key)}/performance`)
  const p = perf.data
  return (
    <li class="card nudge" data-testid="nudge" data-nudge={n.key}>
      <div class="section-head">
        <h2>
          {text(n.title) || n.key} <small class="muted">{n.key}</small>
        </h2>
        <span class="tags">
          <span class="tag">{n.kind}</span>
          <span class={`tag ${n.active === false ? 'tag-off' : 'tag-on'}`}>{n.active === false ? 'paused' : 'active'}</span>
        </span>
      </div>
      {perf.loading && !p ? (
        <Loading label="Loading its performance…" />
      ) : perf.error ? (
        <ErrorState error={perf.error} retry={perf.reload} />
      ) : (
        p && (
          <div class="pair">
            <div>
              <h3 class="sub">Funnel (users)</h3>
              {p.funnel.users_shown === 0 && <p class="muted">Not shown to anyone yet.</p>}
              <Funnel
                label={`Funnel of ${n.key}`}
                steps={[
                  { label: 'Shown', count: p.funnel.users_shown },
                  { label: 'Clicked', count: p.funnel.clicked },
                  { label: 'Completed', count: p.funnel.completed },
                  ...(p.overall ? [{ label: 'Converted', count: p.overall.shown.converted }] : []),
                ]}
              />
              <p class="muted">
                {p.funnel.shows} shows in all; {p.funnel.dismissed} dismissed, {p.funnel.snoozed} snoozed.
                {p.target_feature
                  ? ` Converted: used ${p.target_feature} within ${p.conversion_days} days.`
                  : ' No target feature: no conversion.'}
              </p>
            </div>
            <div>
              <h3 class="sub">Lift over holdout</h3>
              {p.overall ? (
                <LiftTable overall={p.overall} segments={p.by_segment} />
              ) : (
                <p class="muted">No target feature, so no lift to measure.</p>
              )}
            </div>
          </div>
        )
      )}
    </li>
  )
}

function LiftTable(props: { overall: Lift; segments: (Lift & { segment: string })[] }) {
  const rows: (Lift & { segment: string })[] = [{ ...props.overall, segment: 'All' }, ...props.segments]
  return (
    <div class="tbl-box">
      <table class="plain lift">
        <thead>
          <tr>
            <th scope="col">Segment</th>
            <th scope="col" class="num">
              Shown
            </th>
            <th scope="col" class="num">
              Holdout
            </th>
            <th scope="col" class="num">
              Lift (95 %)
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.segment} data-testid="lift-row">
              <th scope="row">{r.segment}</th>
              <td class="num">
                {pct(r.shown.rate)} <small class="muted">of {r.shown.users}</small>
              </td>
              <td class="num">
                {pct(r.holdout.rate)} <small class="muted">of {r.holdout.users}</small>
              </td>
              <td class="num">
                <strong class={r.significant ? ((r.lift ?? 0) > 0 ? 'up' : 'down') : ''}>{pp(r.lift)}</strong>
                <small class="muted block">{interval(r.ci95)}</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function Anchors() {
  const r = useApi<z.infer<typeof missingAnchorListSchema>>('/nudges/anchors')
  if (r.loading && !r.data) return <Loading label="Checking anchors…" />
  if (r.error) return <ErrorState title="Could not check anchors" error={r.error} retry={r.reload} />
  const a = r.data!.missing_anchors
  if (a.length === 0)
    return (
      <p class="ok-line" data-testid="anchors-ok">
        No broken anchors reported: every anchored nudge found its element.
      </p>
    )
  return (
    <section class="card warn" aria-labelledby="anchors-h">
      <h2 id="anchors-h">Broken anchors ({a.length})</h2>
      <p class="muted">The widget looked for these elements and did not find them, so these nudges were not shown there.</p>
      <ul class="anchors">
        {a.map((x) => (
          <li key={`${x.nudge_key} ${x.path} ${x.selector}`}>
            <strong>{x.nudge_key}</strong>: <code>{x.selector}</code> missing on <code>{x.path}</code>{' '}
            <span class="muted">
              ({x.reports} report{x.reports === 1 ? '' : 's'}, last {date(x.last_reported_at)})
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
