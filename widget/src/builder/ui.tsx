import { Component, type ComponentChildren } from 'preact'
import { useEffect, useLayoutEffect, useState } from 'preact/hooks'
import type { Feature } from '../../../shared/features'
import type { DueNudge } from '../../../shared/nudge-events'
import type { NudgePreview } from './host'
import { BuilderError, describe, type BuilderApi } from './api'
import { KEPT_ATTRS } from '../capture/element-path'
import { parentOf, startPicker } from './picker'
import { countDeep, proposeSelector } from './propose'

/** What GET /v1/authoring/context answers. */
export interface BuilderContext {
  author: string
  expiresAt: string
  features: (Feature & { draft: boolean })[]
  nudges: { key: string; kind: string; published: boolean; draft: boolean }[]
  segments: string[]
}

interface ClickPreview {
  supported: boolean
  matched: number
  scanned: number
  total: number
  window: { days: number }
}

interface History {
  published: Record<string, unknown> | null
  draft: { definition: Record<string, unknown> } | null
  versions: { version: number; action: string; author: string; created_at: string }[]
}

const KINDS = ['tooltip', 'hotspot', 'banner', 'modal', 'checklist', 'nps', 'tour'] as const
const PLACEMENTS = ['auto', 'above', 'below'] as const
type Kind = (typeof KINDS)[number]
const BANDS = ['red', 'yellow', 'green'] as const
const ANCHORED: Kind[] = ['tooltip', 'hotspot']

/** A key the registry takes, from a name: `Export CSV` → `export-csv`. */
export const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'item'

/** What to call an element: its accessible label or its text, short. */
function nameOf(el: Element): string {
  const label = el.getAttribute('aria-label') ?? el.getAttribute('title') ?? (el.textContent ?? '').replace(/\s+/g, ' ').trim()
  return label.slice(0, 40) || el.tagName.toLowerCase()
}

/** One step of a tour: anchored to an element (a tooltip) or floating (a modal), on a page, with its text per locale. */
export interface TourStepForm {
  anchor: string
  path: string
  placement: (typeof PLACEMENTS)[number]
  text: Record<string, { title: string; body: string }>
}

export const emptyStep = (path: string): TourStepForm => ({
  anchor: '',
  path,
  placement: 'auto',
  text: { default: { title: '', body: '' } },
})

export interface NudgeForm {
  key: string
  kind: Kind
  anchor: string
  /** A tooltip's side of its anchor. */
  placement: (typeof PLACEMENTS)[number]
  locale: string
  locales: string[]
  text: Record<string, { title: string; body: string; button: string }>
  action: 'dismiss' | 'complete' | 'go'
  goPath: string
  path: string
  segments: string[]
  bands: string[]
  featureNotUsed: string
  targetFeature: string
  steps: string[]
  maxShows: number
  minDaysBetween: number
  holdout: number
  tour: TourStepForm[]
  /** The tour step being edited. */
  stepIndex: number
}

export const emptyNudge = (anchor = '', path = '/'): NudgeForm => ({
  key: '',
  kind: anchor ? 'tooltip' : 'banner',
  anchor,
  placement: 'auto',
  locale: 'default',
  locales: ['default'],
  text: { default: { title: '', body: '', button: 'Got it' } },
  action: 'dismiss',
  goPath: '/',
  path,
  segments: [],
  bands: [],
  featureNotUsed: '',
  targetFeature: '',
  steps: [],
  maxShows: 3,
  minDaysBetween: 1,
  holdout: 0.1,
  tour: [emptyStep(path)],
  stepIndex: 0,
})

/** The admin API's definition (snake_case) of what the form says; empty fields are left out. */
export function nudgeDefinition(f: NudgeForm, featureNames: Map<string, string>): Record<string, unknown> {
  const per = (pick: (t: { title: string; body: string; button: string }) => string) =>
    Object.fromEntries(
      f.locales.filter((l) => l === 'default' || pick(f.text[l] ?? { title: '', body: '', button: '' })).map((l) => [l, pick(f.text[l])]),
    )
  const action = f.action === 'go' ? { type: 'go', path: f.goPath } : { type: f.action }
  const targeting: Record<string, unknown> = {}
  if (f.path) targeting.path = f.path
  if (f.segments.length) targeting.segments = f.segments
  if (f.bands.length) targeting.bands = f.bands
  if (f.featureNotUsed) targeting.feature_not_used = f.featureNotUsed
  const tour = f.kind === 'tour'
  const stepText = (s: TourStepForm, pick: (t: { title: string; body: string }) => string) =>
    Object.fromEntries(
      f.locales
        .filter((l) => l === 'default' || (s.text[l] && pick(s.text[l])))
        .map((l) => [l, pick(s.text[l] ?? { title: '', body: '' })]),
    )
  return {
    kind: f.kind,
    ...(ANCHORED.includes(f.kind) && f.anchor ? { anchor: f.anchor } : {}),
    ...(f.kind === 'tooltip' && f.placement !== 'auto' ? { placement: f.placement } : {}),
    title: per((t) => t.title),
    body: per((t) => t.body),
    buttons: f.text.default.button && !tour ? [{ label: per((t) => t.button), action }] : [],
    ...(tour
      ? {
          steps: f.tour.map((s) => ({
            ...(s.anchor ? { anchor: s.anchor } : {}),
            ...(s.path ? { path: s.path } : {}),
            placement: s.placement,
            title: stepText(s, (t) => t.title),
            body: stepText(s, (t) => t.body),
            buttons: [],
          })),
        }
      : {}),
    ...(f.kind === 'checklist' ? { steps: f.steps.map((k) => ({ feature: k, label: { default: featureNames.get(k) ?? k } })) } : {}),
    ...(f.targetFeature ? { target_feature: f.targetFeature } : {}),
    targeting,
    caps: { max_shows: f.maxShows, min_days_between: f.minDaysBetween },
    holdout: { share: f.holdout, unit: 'account' },
  }
}

/** The form for a stored definition (a draft, or what is published), as far as the builder edits it. */
export function formOf(key: string, d: Record<string, unknown>): NudgeForm {
  const f = emptyNudge()
  const texts = (d.title ?? {}) as Record<string, string>
  const bodies = (d.body ?? {}) as Record<string, string>
  const buttons = (d.buttons ?? []) as { label: Record<string, string>; action: { type: string; path?: string } }[]
  const t = (d.targeting ?? {}) as Record<string, unknown>
  const caps = (d.caps ?? {}) as Record<string, number>
  const locales = [...new Set(['default', ...Object.keys(texts), ...Object.keys(bodies)])]
  return {
    ...f,
    key,
    kind: (KINDS as readonly string[]).includes(String(d.kind)) ? (d.kind as Kind) : 'banner',
    anchor: typeof d.anchor === 'string' ? d.anchor : '',
    placement: d.placement === 'above' || d.placement === 'below' ? d.placement : 'auto',
    locales,
    text: Object.fromEntries(locales.map((l) => [l, { title: texts[l] ?? '', body: bodies[l] ?? '', button: buttons[0]?.label[l] ?? '' }])),
    action: (buttons[0]?.action.type as NudgeForm['action']) ?? 'dismiss',
    goPath: buttons[0]?.action.path ?? '/',
    path: typeof t.path === 'string' ? t.path : '',
    segments: (t.segments as string[]) ?? [],
    bands: (t.bands as string[]) ?? [],
    featureNotUsed: typeof t.feature_not_used === 'string' ? t.feature_not_used : '',
    targetFeature: typeof d.target_feature === 'string' ? d.target_feature : '',
    steps: ((d.steps ?? []) as { feature?: string }[]).flatMap((s) => (s.feature ? [s.feature] : [])),
    tour:
      d.kind === 'tour'
        ? (
            (d.steps ?? []) as {
              anchor?: string
              path?: string
              placement?: string
              title?: Record<string, string>
              body?: Record<string, string>
            }[]
          ).map((s) => ({
            anchor: s.anchor ?? '',
            path: s.path ?? '',
            placement: (PLACEMENTS as readonly string[]).includes(s.placement ?? '') ? (s.placement as TourStepForm['placement']) : 'auto',
            text: Object.fromEntries(locales.map((l) => [l, { title: s.title?.[l] ?? '', body: s.body?.[l] ?? '' }])),
          }))
        : f.tour,
    stepIndex: 0,
    maxShows: caps.max_shows ?? 3,
    minDaysBetween: caps.min_days_between ?? 1,
    holdout: ((d.holdout ?? {}) as { share?: number }).share ?? 0.1,
  }
}

/**
 * The feature a picked element makes: a click rule on its selector (on the pages given). An existing feature of that
 * key keeps its other rules (its events, other buttons) and its kind: the click is added to them, never replacing them.
 */
export function featureBody(existing: Feature | undefined, form: { name: string; core: boolean; path: string }, selector: string) {
  const rule = { match: 'click' as const, selector, ...(form.path ? { path: form.path } : {}) }
  const others = (existing?.rules ?? []).filter((r) => JSON.stringify(r) !== JSON.stringify(rule))
  return { name: form.name, core: form.core, kind: existing?.kind ?? 'feature', rules: [...others, rule] }
}

/** The attributes the capture core keeps in a stored click's element path. */
const RECORDED_ATTRS = KEPT_ATTRS
/** Whether a selector names an attribute stored clicks do not keep: its past-click count can only be 0. */
export const unrecorded = (selector: string) => [...selector.matchAll(/\[([\w-]+)/g)].some(([, name]) => !RECORDED_ATTRS.includes(name))

type View = 'home' | 'picking' | 'picked' | 'feature' | 'nudge'

/** The nudge being built, kept for this tab: a tour's steps are picked on several pages, across reloads. */
const SAVED_FORM = 'uptake-author-form'
function savedForm(): NudgeForm | null {
  try {
    const f = JSON.parse(sessionStorage.getItem(SAVED_FORM) ?? 'null') as NudgeForm | null
    return f && typeof f.key === 'string' && Array.isArray(f.tour) ? f : null
  } catch {
    return null
  }
}

const withStep = (f: NudgeForm, patch: Partial<TourStepForm>): NudgeForm => ({
  ...f,
  tour: f.tour.map((s, i) => (i === f.stepIndex ? { ...s, ...patch } : s)),
})
type Msg = { kind: 'ok' | 'err' | 'info'; text: string } | null

export interface BuilderProps {
  api: BuilderApi
  nudges: NudgePreview
  context: BuilderContext
  /** The overlay host, never picked. */
  isOwn(el: Element): boolean
  /** Keeps the builder's layer usable (inside a modal <dialog> when one is open). */
  relayer(): void
  onExit(): void
}

/** Catches a rendering error of the builder: it shows a line instead of reaching the product page. */
export class Boundary extends Component<{ children: ComponentChildren }, { failed: boolean }> {
  state = { failed: false }
  componentDidCatch() {
    this.setState({ failed: true })
  }
  render() {
    return this.state.failed ? <div class="panel">The Uptake builder stopped: reload the page to open it again.</div> : this.props.children
  }
}

function Highlight({ el, label }: { el: Element | null; label?: string }) {
  const [rect, setRect] = useState<DOMRect | null>(null)
  useEffect(() => {
    if (!el) return setRect(null)
    let frame = 0
    const loop = () => {
      setRect(el.isConnected ? el.getBoundingClientRect() : null)
      frame = requestAnimationFrame(loop)
    }
    loop()
    return () => cancelAnimationFrame(frame)
  }, [el])
  if (!el || !rect) return null
  return (
    <div class="hl" style={{ top: `${rect.top}px`, left: `${rect.left}px`, width: `${rect.width}px`, height: `${rect.height}px` }}>
      <span>{label ?? el.tagName.toLowerCase()}</span>
    </div>
  )
}

/** A tour's steps: one at a time, each anchored (picked on its page) or floating, with its page, placement and text. */
function TourSteps(props: { form: NudgeForm; setForm: (f: (f: NudgeForm) => NudgeForm) => void; pickAnchor: () => void }) {
  const { form, setForm } = props
  const step = form.tour[form.stepIndex] ?? form.tour[0]
  const t = step.text[form.locale] ?? { title: '', body: '' }
  const set = (patch: Partial<TourStepForm>) => setForm((f) => withStep(f, patch))
  const setText = (patch: Partial<typeof t>) => set({ text: { ...step.text, [form.locale]: { ...t, ...patch } } })
  return (
    <fieldset class="card">
      <legend>Steps</legend>
      <div class="tabs" role="group" aria-label="Steps">
        {form.tour.map((_, i) => (
          <button aria-pressed={i === form.stepIndex} aria-label={`Step ${i + 1}`} onClick={() => setForm((f) => ({ ...f, stepIndex: i }))}>
            {i + 1}
          </button>
        ))}
        <button
          class="link"
          disabled={form.tour.length >= 20}
          onClick={() => setForm((f) => ({ ...f, tour: [...f.tour, emptyStep(location.pathname)], stepIndex: f.tour.length }))}
        >
          + step
        </button>
        {form.tour.length > 1 && (
          <button
            class="link"
            onClick={() =>
              setForm((f) => ({ ...f, tour: f.tour.filter((_, i) => i !== f.stepIndex), stepIndex: Math.max(0, f.stepIndex - 1) }))
            }
          >
            remove step
          </button>
        )}
      </div>
      <div role="group" aria-label="Anchor" class="field">
        Anchor
        <div class="row" style={{ marginTop: '2px' }}>
          <code>{step.anchor || 'none: a floating card'}</code>
          <button onClick={props.pickAnchor}>Pick anchor</button>
          {step.anchor && (
            <button class="link" onClick={() => set({ anchor: '' })}>
              Float
            </button>
          )}
        </div>
      </div>
      <div class="grid">
        <label>
          Page
          <input value={step.path} onInput={(e) => set({ path: (e.target as HTMLInputElement).value })} spellcheck={false} />
        </label>
        <label>
          Placement
          <select
            value={step.placement}
            onChange={(e) => set({ placement: (e.target as HTMLSelectElement).value as TourStepForm['placement'] })}
          >
            {PLACEMENTS.map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </label>
      </div>
      <label>
        Step title
        <input value={t.title} onInput={(e) => setText({ title: (e.target as HTMLInputElement).value })} />
      </label>
      <label>
        Step text
        <textarea value={t.body} onInput={(e) => setText({ body: (e.target as HTMLTextAreaElement).value })} />
      </label>
    </fieldset>
  )
}

export function Builder(props: BuilderProps) {
  const { api, context } = props
  const [ctx, setCtx] = useState(context)
  const [view, setView] = useState<View>(() => (savedForm() ? 'nudge' : 'home'))
  const [purpose, setPurpose] = useState<'element' | 'anchor'>('element')
  const [hover, setHover] = useState<Element | null>(null)
  const [picked, setPicked] = useState<Element | null>(null)
  const [selector, setSelector] = useState('')
  const [unique, setUnique] = useState(true)
  const [msg, setMsg] = useState<Msg>(null)
  const [busy, setBusy] = useState(false)
  const [ended, setEnded] = useState(false)
  const [feature, setFeature] = useState({ name: '', key: '', core: false, path: location.pathname, keyEdited: false })
  const [past, setPast] = useState<ClickPreview | null>(null)
  const [form, setForm] = useState<NudgeForm>(() => savedForm() ?? emptyNudge())
  const [history, setHistory] = useState<History | null>(null)
  const featureNames = new Map(ctx.features.map((f) => [f.key, f.name]))

  /** Runs a server action, showing its error (and the end of the session) instead of throwing. */
  const act = async (work: () => Promise<void>) => {
    setBusy(true)
    setMsg(null)
    try {
      await work()
    } catch (e) {
      if (e instanceof BuilderError && e.status === 401) setEnded(true)
      setMsg({ kind: 'err', text: describe(e) })
    } finally {
      setBusy(false)
    }
  }
  const refresh = () => act(async () => setCtx(await api.call<BuilderContext>('/context')))
  useEffect(() => {
    try {
      if (view === 'nudge' || (view === 'picking' && purpose === 'anchor')) sessionStorage.setItem(SAVED_FORM, JSON.stringify(form))
      else sessionStorage.removeItem(SAVED_FORM)
    } catch {
      // not kept: this page's form still works
    }
  }, [form, view, purpose])

  // picking: hover highlights, click selects, Escape goes back; a layout effect, so the listeners are on before the
  // next input event (a plain effect waits for a frame: an Escape pressed at once went only to the page)
  useLayoutEffect(() => {
    if (view !== 'picking') return
    return startPicker({
      ignore: props.isOwn,
      onHover: (el) => {
        setHover(el)
        props.relayer()
      },
      onPick: (el) => {
        const p = proposeSelector(el)
        setPicked(el)
        setSelector(p.selector)
        setUnique(p.unique)
        if (purpose === 'anchor') {
          // a tour step's anchor lives on this page: the step waits for it here
          setForm((f) => (f.kind === 'tour' ? withStep(f, { anchor: p.selector, path: location.pathname }) : { ...f, anchor: p.selector }))
          setView('nudge')
        } else setView('picked')
      },
      onCancel: () => setView(purpose === 'anchor' ? 'nudge' : 'home'),
    })
  }, [view, purpose])

  // past clicks the rule would count, for the selector (and the feature's path pattern on its form)
  const rulePath = view === 'feature' ? feature.path : undefined
  useEffect(() => {
    if (!selector || (view !== 'picked' && view !== 'feature')) return
    setPast(null)
    const timer = setTimeout(() => {
      api
        .call<ClickPreview>('/preview', 'POST', { selector, ...(rulePath ? { path: rulePath } : {}) })
        .then(setPast)
        .catch((e) => setMsg({ kind: 'err', text: describe(e) }))
    }, 300)
    return () => clearTimeout(timer)
  }, [selector, rulePath, view])

  const onPage = selector ? countDeep(selector) : 0
  const pick = (p: 'element' | 'anchor') => {
    setPurpose(p)
    setMsg(null)
    setView('picking')
  }

  const header = (
    <header>
      <strong>Uptake builder</strong>
      <small title={`Session ends ${new Date(ctx.expiresAt).toLocaleTimeString()}`}>{ctx.author}</small>
      <button class="link" onClick={props.onExit}>
        Exit
      </button>
    </header>
  )
  const message = msg && (
    <div class={`msg ${msg.kind}`} role={msg.kind === 'err' ? 'alert' : 'status'}>
      {msg.text}
    </div>
  )
  const counts = (
    <div class="stats" aria-live="polite">
      <div>
        <b data-count="page">{onPage}</b> on this page{onPage > 1 ? ' (more than one)' : ''}
      </div>
      <div>
        <b data-count="past">{past ? (past.supported ? past.matched : '–') : '…'}</b>
        {past
          ? past.supported
            ? ` past clicks in ${past.window.days} days (of ${past.scanned < past.total ? `the newest ${past.scanned} of ` : ''}${past.total})`
            : ' past clicks: the server cannot match this selector'
          : ' past clicks'}
        {past?.supported && unrecorded(selector) && (
          <small class="warn">
            {' '}
            Stored clicks keep only ids, classes and {RECORDED_ATTRS.join(', ')}: past clicks are not counted by other attributes.
          </small>
        )}
      </div>
    </div>
  )

  if (ended)
    return (
      <div class="panel">
        {header}
        <p>This authoring session has ended. Open a new link from the Uptake console.</p>
      </div>
    )

  if (view === 'picking')
    return (
      <>
        <Highlight el={hover} label={hover ? proposeSelector(hover).selector : undefined} />
        <div class="hint" role="status">
          Click an element{purpose === 'anchor' ? ' to anchor the nudge' : ''} · Esc to cancel
        </div>
      </>
    )

  if (view === 'picked' && picked)
    return (
      <>
        <Highlight el={picked} label={selector} />
        <div class="panel" role="dialog" aria-label="Selected element">
          {header}
          <label>
            Selector{!unique && <span class="warn"> (not unique: refine it)</span>}
            <input value={selector} onInput={(e) => setSelector((e.target as HTMLInputElement).value)} spellcheck={false} />
          </label>
          {counts}
          {message}
          <div class="row actions">
            <button
              class="primary"
              onClick={() => {
                const name = nameOf(picked)
                setFeature({ name, key: slug(name), core: false, path: location.pathname, keyEdited: false })
                setView('feature')
              }}
            >
              Save as feature
            </button>
            <button
              onClick={() => {
                setForm({ ...emptyNudge(selector, location.pathname), key: slug(`${nameOf(picked)}-tip`) })
                setView('nudge')
              }}
            >
              Nudge here
            </button>
            <button
              onClick={() => {
                const parent = parentOf(picked)
                if (!parent || parent === document.body) return
                const p = proposeSelector(parent)
                setPicked(parent)
                setSelector(p.selector)
                setUnique(p.unique)
              }}
            >
              Parent
            </button>
            <button class="link" onClick={() => pick('element')}>
              Pick again
            </button>
          </div>
        </div>
      </>
    )

  if (view === 'feature') {
    const existing = ctx.features.find((f) => f.key === feature.key)
    const body = () => featureBody(existing, feature, selector)
    const save = (publish: boolean) =>
      act(async () => {
        await api.call(`/features/${encodeURIComponent(feature.key)}/draft`, 'PUT', body())
        if (!publish) return setMsg({ kind: 'ok', text: `Draft of ${feature.key} saved: nothing changes for users until you publish it.` })
        const r = await api.call<{ version: number; rebuild: { total: number } | null }>(
          `/features/${encodeURIComponent(feature.key)}/publish`,
          'POST',
        )
        setMsg({
          kind: 'ok',
          text: `Published ${feature.key} (version ${r.version}).${r.rebuild ? ` Past events are being re-tagged (${r.rebuild.total} in the window).` : ''}`,
        })
        setCtx(await api.call<BuilderContext>('/context'))
      })
    return (
      <>
        <Highlight el={picked} label={selector} />
        <div class="panel" role="dialog" aria-label="Save as feature">
          {header}
          <h3>Save as feature</h3>
          <label>
            Name
            <input
              value={feature.name}
              onInput={(e) => {
                const name = (e.target as HTMLInputElement).value
                setFeature((f) => ({ ...f, name, key: f.keyEdited ? f.key : slug(name) }))
              }}
            />
          </label>
          <div class="grid">
            <label>
              Key
              <input
                value={feature.key}
                onInput={(e) => setFeature((f) => ({ ...f, key: (e.target as HTMLInputElement).value, keyEdited: true }))}
                spellcheck={false}
              />
            </label>
            <label>
              Pages (path pattern)
              <input
                value={feature.path}
                onInput={(e) => setFeature((f) => ({ ...f, path: (e.target as HTMLInputElement).value }))}
                spellcheck={false}
              />
            </label>
          </div>
          <label class="inline">
            <input
              type="checkbox"
              checked={feature.core}
              onChange={(e) => setFeature((f) => ({ ...f, core: (e.target as HTMLInputElement).checked }))}
            />{' '}
            Core feature
          </label>
          <p>
            Clicks on <code>{selector}</code>
            {existing &&
              ` are added to the existing feature ${existing.name} (${existing.rules.length} rule${existing.rules.length === 1 ? '' : 's'} now).`}
          </p>
          {counts}
          {message}
          <div class="row actions">
            <button class="primary" disabled={busy || !feature.name || !feature.key} onClick={() => save(true)}>
              Publish
            </button>
            <button disabled={busy || !feature.name || !feature.key} onClick={() => save(false)}>
              Save draft
            </button>
            <button class="link" onClick={() => setView('picked')}>
              Back
            </button>
          </div>
        </div>
      </>
    )
  }

  if (view === 'nudge') {
    const set = (patch: Partial<NudgeForm>) => setForm((f) => ({ ...f, ...patch }))
    const tour = form.kind === 'tour'
    const text = form.text[form.locale] ?? { title: '', body: '', button: '' }
    const setText = (patch: Partial<typeof text>) => setForm((f) => ({ ...f, text: { ...f.text, [f.locale]: { ...text, ...patch } } }))
    const toggle = (list: string[], v: string) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v])
    const definition = () => nudgeDefinition(form, featureNames)
    const preview = () =>
      act(async () => {
        const r = await api.call<{ nudge: DueNudge; theme: Record<string, string>; problems: string[] }>('/nudges/preview', 'POST', {
          definition: definition(),
          locale: form.locale,
        })
        let shown = r.nudge
        if (form.kind === 'tour') {
          // a tour step shows as the tooltip (anchored) or modal (floating) it is written as
          const step = form.tour[form.stepIndex]
          const t = { ...step.text.default, ...step.text[form.locale] }
          shown = {
            key: 'uptake-preview',
            kind: step.anchor ? 'tooltip' : 'modal',
            anchor: step.anchor || undefined,
            title: t.title || step.text.default.title,
            body: t.body || step.text.default.body,
            buttons: [{ label: `Next (${form.stepIndex + 1} of ${form.tour.length})`, action: { type: 'dismiss' } }],
          }
        }
        props.nudges.preview(shown, r.theme)
        const missing = shown.anchor && !countDeep(shown.anchor) ? ' Its anchor is not on this page.' : ''
        setMsg(
          r.problems.length || missing
            ? { kind: 'err', text: `Previewing. ${r.problems.join('; ')}${missing}` }
            : { kind: 'info', text: 'Previewing as users will see it.' },
        )
      })
    const save = (publish: boolean) =>
      act(async () => {
        const key = encodeURIComponent(form.key)
        await api.call(`/nudges/${key}/draft`, 'PUT', definition())
        if (!publish) return setMsg({ kind: 'ok', text: `Draft of ${form.key} saved: users see nothing of it until you publish.` })
        const r = await api.call<{ version: number }>(`/nudges/${key}/publish`, 'POST')
        props.nudges.preview(null)
        setMsg({ kind: 'ok', text: `Published ${form.key} (version ${r.version}).` })
        setCtx(await api.call<BuilderContext>('/context'))
      })
    return (
      <>
        {form.anchor && ANCHORED.includes(form.kind) && (
          <Highlight el={picked?.isConnected && picked.matches(form.anchor) ? picked : null} label={form.anchor} />
        )}
        <div class="panel" role="dialog" aria-label="Nudge">
          {header}
          <div class="grid">
            <label>
              Kind
              <select
                value={form.kind}
                onChange={(e) => {
                  const kind = (e.target as HTMLSelectElement).value as Kind
                  // a tour's pages are its steps' own
                  set(kind === 'tour' ? { kind, path: '', tour: form.tour.length ? form.tour : [emptyStep(location.pathname)] } : { kind })
                }}
              >
                {KINDS.map((k) => (
                  <option value={k}>{k}</option>
                ))}
              </select>
            </label>
            <label>
              Key
              <input value={form.key} onInput={(e) => set({ key: (e.target as HTMLInputElement).value })} spellcheck={false} />
            </label>
          </div>
          {ANCHORED.includes(form.kind) && (
            <div role="group" aria-label="Anchor" class="field">
              Anchor
              <div class="row" style={{ marginTop: '2px' }}>
                <code>{form.anchor || 'none yet'}</code>
                <button onClick={() => pick('anchor')}>Pick anchor</button>
              </div>
            </div>
          )}
          {form.kind === 'tooltip' && (
            <label>
              Placement
              <select
                value={form.placement}
                onChange={(e) => set({ placement: (e.target as HTMLSelectElement).value as NudgeForm['placement'] })}
              >
                {PLACEMENTS.map((p) => (
                  <option value={p}>{p === 'auto' ? 'below (auto)' : p}</option>
                ))}
              </select>
            </label>
          )}
          <div class="tabs" role="group" aria-label="Language">
            {form.locales.map((l) => (
              <button aria-pressed={l === form.locale} onClick={() => set({ locale: l })}>
                {l}
              </button>
            ))}
            <button
              class="link"
              onClick={() => {
                const l = (prompt('Language code (for example fr or pt-BR)') ?? '').trim()
                if (/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(l) && !form.locales.includes(l))
                  setForm((f) => ({
                    ...f,
                    locales: [...f.locales, l],
                    locale: l,
                    text: { ...f.text, [l]: { title: '', body: '', button: '' } },
                  }))
              }}
            >
              + language
            </button>
          </div>
          <label>
            {tour ? 'Tour name' : 'Title'}
            <input value={text.title} onInput={(e) => setText({ title: (e.target as HTMLInputElement).value })} />
          </label>
          {tour && <TourSteps form={form} setForm={setForm} pickAnchor={() => pick('anchor')} />}
          {!tour && (
            <label>
              Text (**bold**, *italic*, [link](/path))
              <textarea value={text.body} onInput={(e) => setText({ body: (e.target as HTMLTextAreaElement).value })} />
            </label>
          )}
          <div class="grid" hidden={tour}>
            <label>
              Button
              <input value={text.button} onInput={(e) => setText({ button: (e.target as HTMLInputElement).value })} />
            </label>
            <label>
              It does
              <select value={form.action} onChange={(e) => set({ action: (e.target as HTMLSelectElement).value as NudgeForm['action'] })}>
                <option value="dismiss">close</option>
                <option value="complete">complete</option>
                <option value="go">go to a page</option>
              </select>
            </label>
          </div>
          {form.action === 'go' && !tour && (
            <label>
              Page
              <input value={form.goPath} onInput={(e) => set({ goPath: (e.target as HTMLInputElement).value })} />
            </label>
          )}
          {form.kind === 'checklist' && (
            <fieldset class="card">
              <legend>Steps (features)</legend>
              {ctx.features.map((f) => (
                <label class="inline">
                  <input type="checkbox" checked={form.steps.includes(f.key)} onChange={() => set({ steps: toggle(form.steps, f.key) })} />{' '}
                  {f.name}
                </label>
              ))}
            </fieldset>
          )}
          <h3>Who sees it</h3>
          <label>
            Pages (path pattern)
            <input value={form.path} onInput={(e) => set({ path: (e.target as HTMLInputElement).value })} spellcheck={false} />
          </label>
          <div class="grid">
            <label>
              Not yet using
              <select value={form.featureNotUsed} onChange={(e) => set({ featureNotUsed: (e.target as HTMLSelectElement).value })}>
                <option value="">any user</option>
                {ctx.features.map((f) => (
                  <option value={f.key}>{f.name}</option>
                ))}
              </select>
            </label>
            <label>
              Converts when used
              <select value={form.targetFeature} onChange={(e) => set({ targetFeature: (e.target as HTMLSelectElement).value })}>
                <option value="">no target</option>
                {ctx.features.map((f) => (
                  <option value={f.key}>{f.name}</option>
                ))}
              </select>
            </label>
          </div>
          {ctx.segments.length > 0 && (
            <div role="group" aria-label="Segments">
              Segments:{' '}
              {ctx.segments.map((s) => (
                <label class="inline">
                  <input type="checkbox" checked={form.segments.includes(s)} onChange={() => set({ segments: toggle(form.segments, s) })} />{' '}
                  {s}
                </label>
              ))}
            </div>
          )}
          <div role="group" aria-label="Health bands">
            Bands:{' '}
            {BANDS.map((b) => (
              <label class="inline">
                <input type="checkbox" checked={form.bands.includes(b)} onChange={() => set({ bands: toggle(form.bands, b) })} /> {b}
              </label>
            ))}
          </div>
          <div class="grid">
            <label>
              Shows per user
              <input
                type="number"
                min={1}
                max={1000}
                value={form.maxShows}
                onInput={(e) => set({ maxShows: Number((e.target as HTMLInputElement).value) || 1 })}
              />
            </label>
            <label>
              Days between
              <input
                type="number"
                min={0}
                max={365}
                value={form.minDaysBetween}
                onInput={(e) => set({ minDaysBetween: Number((e.target as HTMLInputElement).value) || 0 })}
              />
            </label>
          </div>
          <label>
            Holdout (share kept from seeing it, to measure lift): {Math.round(form.holdout * 100)}%
            <input
              type="range"
              min={0}
              max={0.5}
              step={0.05}
              value={form.holdout}
              onInput={(e) => set({ holdout: Number((e.target as HTMLInputElement).value) })}
            />
          </label>
          {message}
          <div class="row actions">
            <button onClick={preview} disabled={busy}>
              Preview
            </button>
            <button onClick={() => save(false)} disabled={busy || !form.key}>
              Save draft
            </button>
            <button class="primary" onClick={() => save(true)} disabled={busy || !form.key}>
              Publish
            </button>
            <button
              class="link"
              onClick={() => {
                props.nudges.preview(null)
                setView('home')
              }}
            >
              Close
            </button>
          </div>
          {history && history.versions.length > 0 && (
            <>
              <h3>Versions</h3>
              <ul class="list">
                {history.versions.slice(0, 5).map((v) => (
                  <li>
                    <span>
                      v{v.version} {v.action}
                    </span>
                    <span>
                      {v.author}, {new Date(v.created_at).toLocaleString()}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </>
    )
  }

  const edit = (key: string) =>
    act(async () => {
      const h = await api.call<History>(`/nudges/${encodeURIComponent(key)}`)
      const d = h.draft?.definition ?? h.published
      if (!d) return
      setHistory(h)
      setForm(formOf(key, d))
      setView('nudge')
    })
  return (
    <div class="panel" role="dialog" aria-label="Uptake builder">
      {header}
      <p>Point at your product: define a feature from a button, or put a nudge in place. Nothing changes for users until you publish.</p>
      <div class="row">
        <button class="primary" onClick={() => pick('element')}>
          Pick an element
        </button>
        <button
          onClick={() => {
            setHistory(null)
            setForm({ ...emptyNudge('', location.pathname), key: 'new-nudge' })
            setView('nudge')
          }}
        >
          New nudge
        </button>
        <button class="link" onClick={refresh}>
          Refresh
        </button>
      </div>
      {message}
      {ctx.nudges.length > 0 && (
        <>
          <h3>Nudges</h3>
          <ul class="list">
            {ctx.nudges.map((n) => (
              <li>
                <span>
                  {n.key} <small>{n.draft ? (n.published ? 'draft changes' : 'draft') : n.kind}</small>
                </span>
                <button class="link" onClick={() => edit(n.key)}>
                  Edit
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {ctx.features.length > 0 && (
        <>
          <h3>Features</h3>
          <ul class="list">
            {ctx.features.slice(0, 30).map((f) => (
              <li>
                <span>{f.name}</span>
                <code>{f.key}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}
