import type { JSX } from 'preact'
import { explanationRows, fmt1, sumShown, type MeasurePart } from './explanation'
import { BAND_COLOURS } from './scale'
import './charts.css'

/** A shown number with its sign, none on zero ("+11.9", "−7.0", "0.0"). */
const signed = (v: number, sign: string) => (Math.round(v * 10) === 0 ? fmt1(0) : sign + fmt1(v))

/**
 * The health explanation: one row per measure with the points it gives (filled) and the points it costs (pale) out
 * of its weight, then the sum of the contributions, which is the score. Numbers are rounded so they add up exactly.
 */
export function ExplanationBars(props: { measures: MeasurePart[]; score: number }): JSX.Element {
  const { rows, shownScore } = explanationRows(props.measures, props.score)
  const maxWeight = Math.max(1, ...rows.map((r) => r.contribution + r.points_lost))
  const shownLost = sumShown(rows.map((r) => r.shownLost))
  return (
    <figure class="xbars" aria-labelledby="xbars-caption">
      <figcaption id="xbars-caption" class="sr-only">
        Each measure's contribution to the health score and the points it loses; contributions sum to {fmt1(shownScore)}.
      </figcaption>
      <div class="xbars-head" aria-hidden="true">
        <span>Measure</span>
        <span>Points given / lost of its weight</span>
        <span class="num">Gives</span>
        <span class="num">Costs</span>
      </div>
      <ul class="xbars-rows">
        {rows.map((r) => {
          const weight = r.contribution + r.points_lost
          const colour = BAND_COLOURS[r.band ?? 'insufficient_data']
          return (
            <li key={r.key} class="xbars-row" data-measure={r.key}>
              <span class="xbars-label">
                <strong>{r.label}</strong>
                <small>{r.detail}</small>
              </span>
              <svg
                class="xbars-bar"
                viewBox={`0 0 ${maxWeight} 10`}
                preserveAspectRatio="none"
                role="img"
                aria-label={`${r.label}: gives ${fmt1(r.shown)} of ${fmt1(weight)} points, costs ${fmt1(r.shownLost)}`}
              >
                <rect x="0" y="1" width={weight} height="8" fill="#eef0f2" />
                <rect x="0" y="1" width={Math.max(0, r.contribution)} height="8" fill={colour} />
                <rect x={Math.max(0, r.contribution)} y="1" width={Math.max(0, r.points_lost)} height="8" fill={colour} opacity="0.22" />
              </svg>
              <span class="num xbars-contribution" data-testid="contribution">
                {signed(r.shown, '+')}
              </span>
              <span class="num xbars-lost">{signed(r.shownLost, '−')}</span>
            </li>
          )
        })}
      </ul>
      <p class="xbars-sum" data-testid="explanation-sum">
        <span>
          {rows.map((r, i) => (
            <span key={r.key}>
              {i > 0 && ' + '}
              {fmt1(r.shown)}
            </span>
          ))}{' '}
          = <strong data-testid="explanation-score">{fmt1(sumShown(rows.map((r) => r.shown)))}</strong> score
        </span>
        <span class="xbars-lost-total">{fmt1(shownLost)} points lost in all (100 − score)</span>
      </p>
    </figure>
  )
}
