import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { bandZones, chartWidth, daySeconds, historySeries, versionChanges, type Snapshot } from './history'

/** uPlot (~23 KB gzip) sits in its own chunk, loaded by the history chart while the account's data loads. */
export const HEIGHT = 220
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

/** Draws the chart into `el` at its width, follows the width on resize; returns the cleanup. */
export function drawHistory(el: HTMLElement, history: readonly Snapshot[], bands: { red: number; green: number }): () => void {
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
}
