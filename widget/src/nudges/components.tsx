import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { DueNudge } from '../../../shared/nudge-events'
import { placeNear } from './anchor'
import type { NudgeHost } from './host'
import { RichText } from './rich-text'

export interface ViewProps {
  nudge: DueNudge
  host: NudgeHost
  close: () => void
  anchor?: Element | null
}

function act(props: ViewProps, action: DueNudge['buttons'][number]['action']) {
  const { nudge, host, close } = props
  host.report('clicked', nudge.key)
  if (action.type === 'go') host.navigate(action.path)
  else if (action.type === 'dismiss') host.report('dismissed', nudge.key)
  else if (action.type === 'snooze') host.report('snoozed', nudge.key, { days: action.days })
  else host.report('completed', nudge.key)
  close()
}

function dismiss(props: ViewProps) {
  props.host.report('dismissed', props.nudge.key)
  props.close()
}

function useEscape(props: ViewProps) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && dismiss(props)
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])
}

function Body(props: ViewProps & { id: string }) {
  const { nudge } = props
  return (
    <>
      <h2 id={`${props.id}-t`}>{nudge.title}</h2>
      <p id={`${props.id}-b`}>
        <RichText text={nudge.body} />
      </p>
      <div class="row">
        {nudge.buttons.map((b, i) => (
          <button key={i} class={i === nudge.buttons.length - 1 ? 'primary' : ''} onClick={() => act(props, b.action)}>
            {b.label}
          </button>
        ))}
      </div>
      <button class="x" aria-label="Dismiss" onClick={() => dismiss(props)}>
        ×
      </button>
    </>
  )
}

export function Banner(props: ViewProps) {
  useEscape(props)
  return (
    <div class="banner" role="region" aria-label={props.nudge.title}>
      <Body {...props} id="bn" />
    </div>
  )
}

export function Modal(props: ViewProps) {
  useEscape(props)
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const focusables = () => Array.from(ref.current?.querySelectorAll<HTMLElement>('button, a[href], textarea') ?? [])
    focusables()[0]?.focus()
    const trap = (e: KeyboardEvent) => {
      if (e.key !== 'Tab') return
      const f = focusables()
      const root = ref.current?.getRootNode() as ShadowRoot
      const i = f.indexOf(root.activeElement as HTMLElement)
      const next = e.shiftKey ? (i <= 0 ? f.length - 1 : i - 1) : i === f.length - 1 ? 0 : i + 1
      f[next]?.focus()
      e.preventDefault()
    }
    ref.current?.addEventListener('keydown', trap)
  }, [])
  return (
    <div class="overlay">
      <div ref={ref} class="card rel" role="dialog" aria-modal="true" aria-labelledby="md-t" aria-describedby="md-b">
        <Body {...props} id="md" />
      </div>
    </div>
  )
}

/** A card positioned next to its anchor, following scroll (any container) and resize. */
export function Tooltip(props: ViewProps) {
  useEscape(props)
  const ref = useRef<HTMLDivElement>(null)
  const [pos, setPos] = useState({ top: -9999, left: -9999, placement: 'below' })
  useLayoutEffect(() => {
    let frame = 0
    const update = () => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => {
        if (!props.anchor || !ref.current) return
        const r = ref.current.getBoundingClientRect()
        setPos(
          placeNear(
            props.anchor.getBoundingClientRect(),
            { w: r.width, h: r.height },
            { w: innerWidth, h: innerHeight },
            props.nudge.placement,
          ),
        )
      })
    }
    update()
    addEventListener('scroll', update, true)
    addEventListener('resize', update)
    ref.current?.querySelector<HTMLElement>('button')?.focus({ preventScroll: true })
    return () => {
      removeEventListener('scroll', update, true)
      removeEventListener('resize', update)
    }
  }, [])
  return (
    <div
      ref={ref}
      class="tip card rel"
      role="dialog"
      aria-labelledby="tp-t"
      aria-describedby="tp-b"
      data-placement={pos.placement}
      style={{ top: `${pos.top}px`, left: `${pos.left}px` }}
    >
      <Body {...props} id="tp" />
    </div>
  )
}

export function Hotspot(props: ViewProps) {
  const [open, setOpen] = useState(false)
  const [pos, setPos] = useState({ top: 0, left: 0 })
  useLayoutEffect(() => {
    const update = () => {
      const r = props.anchor?.getBoundingClientRect()
      if (r) setPos({ top: r.top - 6, left: r.right - 6 })
    }
    update()
    addEventListener('scroll', update, true)
    addEventListener('resize', update)
    return () => {
      removeEventListener('scroll', update, true)
      removeEventListener('resize', update)
    }
  }, [])
  if (open) return <Tooltip {...props} />
  return (
    <button
      class="beacon"
      aria-label={`Tip: ${props.nudge.title}`}
      style={{ top: `${pos.top}px`, left: `${pos.left}px` }}
      onClick={() => setOpen(true)}
    />
  )
}

export function Checklist(props: ViewProps) {
  const steps = props.nudge.steps ?? []
  const done = steps.filter((s) => s.done).length
  useEffect(() => {
    if (steps.length && done === steps.length) props.host.report('completed', props.nudge.key)
  }, [done])
  return (
    <div class="panel card rel" role="region" aria-labelledby="ck-t">
      <h2 id="ck-t">{props.nudge.title}</h2>
      <p>
        <RichText text={props.nudge.body} />
      </p>
      <progress max={steps.length} value={done} aria-label={`${done} of ${steps.length} done`} />
      <ul class="steps">
        {steps.map((s) => (
          <li key={s.feature} class={s.done ? 'done' : ''} data-step={s.feature} aria-checked={s.done} role="checkbox">
            {s.done ? '✓ ' : '○ '}
            {s.label}
          </li>
        ))}
      </ul>
      <button class="x" aria-label="Dismiss" onClick={() => dismiss(props)}>
        ×
      </button>
    </div>
  )
}

export function Nps(props: ViewProps) {
  useEscape(props)
  const [score, setScore] = useState<number | null>(null)
  const [comment, setComment] = useState('')
  const [sent, setSent] = useState(false)
  if (sent)
    return (
      <div class="panel card" role="status">
        Thank you!
      </div>
    )
  return (
    <div class="panel card rel" role="dialog" aria-labelledby="np-t">
      <h2 id="np-t">{props.nudge.title}</h2>
      <p>
        <RichText text={props.nudge.body} />
      </p>
      <div class="scale" role="group" aria-label="Score from 0 (not likely) to 10 (very likely)">
        {Array.from({ length: 11 }, (_, i) => (
          <button key={i} aria-pressed={score === i} onClick={() => setScore(i)}>
            {i}
          </button>
        ))}
      </div>
      <textarea
        aria-label="Comment (optional)"
        maxLength={1000}
        value={comment}
        onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
      />
      <div class="row">
        <button
          class="primary"
          disabled={score === null}
          onClick={() => {
            props.host.report('answered', props.nudge.key, { score, comment: comment.slice(0, 1000) })
            setSent(true)
            setTimeout(props.close, 1500)
          }}
        >
          Send
        </button>
      </div>
      <button class="x" aria-label="Dismiss" onClick={() => dismiss(props)}>
        ×
      </button>
    </div>
  )
}
