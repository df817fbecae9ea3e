import type { JSX } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { versionChanges, type Snapshot } from './history'
import { DEFAULT_BANDS } from './scale'
import './charts.css'

let plot: Promise<typeof import('./history-plot')> | undefined
/** Starts loading the uPlot chunk (an account page calls this before its data arrives, so both load at once). */
export function preloadHistoryPlot(): Promise<typeof import('./history-plot')> {
  plot ??= import('./history-plot')
  return plot
}

/**
 * The 90-day health history as a uPlot line chart (0–100) over red/yellow/green band zones, with a dashed marker
 * wherever the model version changed. Fills its container's width and follows it on resize; the same data is
 * offered as a table for screen readers and keyboard users.
 */
export function HealthHistory(props: { history: Snapshot[]; bands?: { red: number; green: number }; label: string }): JSX.Element {
  const { history, label } = props
  const bands = props.bands ?? DEFAULT_BANDS
  const box = useRef<HTMLDivElement>(null)
  const changes = versionChanges(history)
  const [failed, setFailed] = useState(false)

  useEffect(() => {
    const el = box.current
    if (!el) return
    let destroy: (() => void) | undefined
    let live = true
    preloadHistoryPlot().then(
      (m) => {
        if (live) destroy = m.drawHistory(el, history, bands)
      },
      () => live && setFailed(true),
    )
    return () => {
      live = false
      destroy?.()
    }
  }, [history, bands.red, bands.green])

  const last = history[history.length - 1]
  return (
    <figure class="history">
      <div
        ref={box}
        class="history-plot"
        role="img"
        aria-label={`${label}: ${history.length} daily scores${last ? `, latest ${last.score ?? 'none'} on ${last.day}` : ''}`}
        data-points={history.length}
      >
        {failed && <p class="muted">The chart could not load; the table below has the same days.</p>}
      </div>
      <figcaption class="history-legend">
        <span>
          <i class="swatch swatch-red" /> red &lt; {bands.red}
        </span>
        <span>
          <i class="swatch swatch-yellow" /> yellow
        </span>
        <span>
          <i class="swatch swatch-green" /> green ≥ {bands.green}
        </span>
        <span>
          <i class="swatch swatch-dash" /> model version changed
          {changes.length > 0 ? ` (${changes.map((c) => c.day).join(', ')})` : ' (none in this history)'}
        </span>
      </figcaption>
      <details class="history-table">
        <summary>Show the {history.length} days as a table</summary>
        <div class="scroll-x">
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Score</th>
                <th scope="col">Band</th>
                <th scope="col">Model</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={h.day} data-testid="history-row">
                  <td>{h.day}</td>
                  <td>{h.score === null ? '—' : h.score.toFixed(1)}</td>
                  <td>{h.band}</td>
                  <td>{h.model_version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  )
}
