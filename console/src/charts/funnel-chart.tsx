import type { JSX } from 'preact'
import { funnelSteps, pct } from './funnel'
import './charts.css'

/**
 * A nudge's funnel as horizontal bars, each as wide as its share of the first step, with its count, its share of
 * the first step and the step-to-step rate in words (so the numbers do not depend on reading the bars).
 */
export function Funnel(props: { steps: { label: string; count: number }[]; label: string }): JSX.Element {
  const steps = funnelSteps(props.steps)
  return (
    <ol class="funnel" aria-label={props.label}>
      {steps.map((s, i) => (
        <li key={s.label} class="funnel-step" data-testid="funnel-step" data-step={s.label} data-count={s.count}>
          <span class="funnel-label">{s.label}</span>
          <span class="funnel-track" aria-hidden="true">
            <span class="funnel-bar" style={{ width: `${(s.ofFirst * 100).toFixed(1)}%` }} />
          </span>
          <span class="funnel-count">
            <strong>{s.count.toLocaleString('en-US')}</strong>
            {i > 0 && s.ofPrevious !== null && <small>{pct(s.ofPrevious)} of previous</small>}
          </span>
        </li>
      ))}
    </ol>
  )
}
