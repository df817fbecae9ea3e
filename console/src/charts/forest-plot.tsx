import type { JSX } from 'preact'
import { useRef } from 'preact/hooks'
import { forestRow, phiDomain, phiTicks, type PhiRow } from './forest'
import { useWidth } from './use-width'
import './charts.css'

const ROW = 30
const NARROW = 520

/**
 * Forest plot of the retained-vs-churned table: each feature's phi (dot) with its 95 % interval (line) on one
 * axis, 0 marked; positive means accounts that used the feature renewed more. Filled dots: the interval excludes 0.
 * Below 520 px the feature name sits on its own line above its interval so the plot keeps its width.
 */
export function ForestPlot(props: { rows: PhiRow[] }): JSX.Element {
  const box = useRef<HTMLDivElement>(null)
  const width = useWidth(box)
  const narrow = width < NARROW
  const labelW = narrow ? 0 : Math.min(220, Math.round(width * 0.32))
  const valueW = 132
  const x0 = labelW + 12
  const x1 = Math.max(x0 + 60, width - (narrow ? 12 : valueW))
  const rowH = narrow ? ROW + 16 : ROW
  const top = 8
  const domain = phiDomain(props.rows)
  const ticks = phiTicks(domain)
  const height = top + props.rows.length * rowH + 34
  const geo = props.rows.map((r) => forestRow(r, domain, x0, x1))
  const zero = forestRow({ key: '', name: '', phi: 0, phi_ci95: null, label: '' }, domain, x0, x1).cx ?? 0
  return (
    <div ref={box} class="forest">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="forest-title">
        <title id="forest-title">Phi of feature use with retention, with 95 % intervals, for {props.rows.length} features</title>
        {ticks.map((t) => {
          const x = forestRow({ key: '', name: '', phi: t, phi_ci95: null, label: '' }, domain, x0, x1).cx ?? 0
          return (
            <g key={t}>
              <line x1={x} x2={x} y1={top} y2={height - 28} stroke={t === 0 ? '#4d5b69' : '#e5e8eb'} stroke-width={t === 0 ? 1.5 : 1} />
              <text x={x} y={height - 14} text-anchor="middle" class="forest-tick">
                {t.toFixed(2).replace(/\.?0+$/, '') || '0'}
              </text>
            </g>
          )
        })}
        {props.rows.map((r, i) => {
          const g = geo[i]
          const yMid = top + i * rowH + (narrow ? 16 + ROW / 2 : ROW / 2)
          const colour = g.excludesZero ? ((r.phi ?? 0) > 0 ? '#1e8449' : '#c0392b') : '#5d6d7e'
          return (
            <g key={r.key} data-testid="forest-row" data-feature={r.key}>
              <text x={narrow ? 4 : labelW} y={narrow ? yMid - 14 : yMid + 4} text-anchor={narrow ? 'start' : 'end'} class="forest-label">
                {r.name}
              </text>
              {g.lo !== null && g.hi !== null && <line x1={g.lo} x2={g.hi} y1={yMid} y2={yMid} stroke={colour} stroke-width="2" />}
              {g.cx !== null ? (
                <circle cx={g.cx} cy={yMid} r="5" fill={g.excludesZero ? colour : '#fff'} stroke={colour} stroke-width="2" />
              ) : (
                <text x={zero} y={yMid + 4} text-anchor="middle" class="forest-na">
                  not estimable
                </text>
              )}
              {(g.cx !== null || !narrow) && (
                <text x={width - 4} y={narrow ? yMid - 14 : yMid + 4} text-anchor="end" class="forest-value">
                  {r.phi === null ? '—' : r.phi.toFixed(2)}
                  {r.phi_ci95 ? ` [${r.phi_ci95[0].toFixed(2)}, ${r.phi_ci95[1].toFixed(2)}]` : ''}
                </text>
              )}
            </g>
          )
        })}
        <text x={x0} y={height - 2} class="forest-axis">
          ← churned more
        </text>
        <text x={x1} y={height - 2} text-anchor="end" class="forest-axis">
          renewed more →
        </text>
      </svg>
    </div>
  )
}
