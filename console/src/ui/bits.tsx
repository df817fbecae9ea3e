import type { Band } from '../types'
import { bandLabel, delta as fmtDelta } from './formatters'

/** A band as a coloured chip with its name in words (colour is never the only cue). */
export function BandChip(props: { band: Band | string | null | undefined }) {
  const b = props.band ?? 'insufficient_data'
  return <span class={`chip band-${b}`}>{bandLabel(b)}</span>
}

/** A signed change coloured up/down, with the sign in text. */
export function Delta(props: { value: number | null | undefined; suffix?: string }) {
  const v = props.value
  const cls = v === null || v === undefined || Math.round(v * 10) === 0 ? 'flat' : v > 0 ? 'up' : 'down'
  return (
    <span class={`delta ${cls}`}>
      {fmtDelta(v)}
      {props.suffix}
    </span>
  )
}

/** A group of mutually exclusive buttons (aria-pressed), e.g. 7 / 30 days. */
export function Toggle<T extends string>(props: {
  label: string
  value: T
  options: readonly { value: T; label: string }[]
  onChange: (v: T) => void
}) {
  return (
    <div class="toggle" role="group" aria-label={props.label}>
      {props.options.map((o) => (
        <button key={o.value} type="button" aria-pressed={o.value === props.value} onClick={() => props.onChange(o.value)}>
          {o.label}
        </button>
      ))}
    </div>
  )
}
