import type { JSX } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { bandZones, chartWidth, daySeconds, historySeries, versionChanges, type Snapshot } from './history'
import { DEFAULT_BANDS } from './scale'
import './charts.css'

const HEIGHT = 220
const ZONE_FILL = { red: 'rgba(192,57,43,0.10)', yellow: 'rgba(183,134,11,0.10)', green: 'rgba(30,132,73,0.10)' } as const

/** Band zones behind the line and a dashed marker at each model-version change, drawn on uPlot's canvas. */
function zonesAndMarkers(history: readonly Snapshot[], bands: { red: number; green: number }): uPlot.Plugin {
  const changes = versionChanges(history)
  return {
    hooks: {
      drawClear: (u) => {
        const { ctx, bbox } = u
        ctx.save()
        for (const [from, to, band] of bandZones(bands)) {
          const y0 = u.valToPos(to, 'y', true)
          const y1 = u.valToPos(from, 'y', true)
          ctx.fillStyle = ZONE_FILL[band]
          ctx.fillRect(bbox.left, y0, bbox.width, y1 - y0)
        }
        ctx.restore()
      },
      draw: (u) => {
        const { ctx, bbox } = u
        ctx.save()
        ctx.strokeStyle = '#34495e'
        ctx.fillStyle = '#34495e'
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio])
        ctx.lineWidth = devicePixelRatio
        ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`
        for (const c of changes) {
          const x = Math.round(u.valToPos(daySeconds(c.day), 'x', true))
          ctx.beginPath()
          ctx.moveTo(x, bbox.top)
          ctx.lineTo(x, bbox.top + bbox.height)
          ctx.stroke()
          ctx.fillText('model', x + 3 * devicePixelRatio, bbox.top + 12 * devicePixelRatio)
        }
        ctx.restore()
      },
    },
  }
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

  useEffect(() => {
    const el = box.current
    if (!el) return
    const opts: uPlot.Options = {
      width: chartWidth(el.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: [0, 100] } },
      axes: [
        { stroke: '#4d5b69', grid: { stroke: '#e5e8eb' }, ticks: { stroke: '#d5dadf' } },
        {
          stroke: '#4d5b69',
          grid: { stroke: '#e5e8eb' },
          ticks: { stroke: '#d5dadf' },
          size: 36,
          splits: () => [0, bands.red, bands.green, 100],
        },
      ],
      series: [
        {},
        {
          label: 'Health score',
          stroke: '#2c3e50',
          width: 2,
          spanGaps: false,
          points: { show: history.length <= 45, size: 4, fill: '#2c3e50' },
        },
      ],
      plugins: [zonesAndMarkers(history, bands)],
    }
    const chart = new uPlot(opts, historySeries(history), el)
    const ro =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => chart.setSize({ width: chartWidth(el.clientWidth), height: HEIGHT }))
    ro?.observe(el)
    return () => {
      ro?.disconnect()
      chart.destroy()
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
      />
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
          {changes.length > 0 ? ` (${changes.map((c) => c.day).join(', ')})` : ' (not in these 90 days)'}
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
