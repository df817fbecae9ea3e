import type { JSX } from 'preact'
import { BAND_COLOURS, bandOf, lastPoint, linearScale, round, sparklinePath } from './scale'

const W = 120
const H = 28
const PAD = 3

/** A 120×28 inline-SVG trend of scores (0–100, oldest first, null = no score that day); last point in its band's colour. */
export function Sparkline(props: { values: (number | null)[]; label: string }): JSX.Element {
  const { values, label } = props
  const last = lastPoint(values)
  const x = linearScale(0, Math.max(values.length - 1, 1), PAD, W - PAD)
  const y = linearScale(0, 100, H - PAD, PAD)
  return (
    <svg class="sparkline" viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={label}>
      <path d={sparklinePath(values, W, H, PAD)} fill="none" stroke="#5d6d7e" stroke-width="1.5" stroke-linejoin="round" />
      {last && (
        <circle
          cx={round(x(last.index))}
          cy={round(y(Math.min(100, Math.max(0, last.value))))}
          r="2.5"
          fill={BAND_COLOURS[bandOf(last.value)]}
        />
      )}
    </svg>
  )
}
