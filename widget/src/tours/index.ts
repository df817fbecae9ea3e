import type { DueTour, Guide, NudgesResponse } from '../../../shared/nudge-events'
import { pathMatches } from '../../../shared/path-pattern'
import { moveAction, moveTour, type TourMove } from '../../../shared/tours'
import { placeNear, waitForAnchor } from '../nudges/anchor'
import type { NudgeHost } from '../nudges/host'
import { richParts } from '../nudges/rich-parts'
import { shadowHost } from '../nudges/shadow'
import { CSS } from '../nudges/styles'
import { TOURS_UI_GLOBAL, type ToursUI } from './host'
import { TOUR_CSS } from './styles'

type Kid = Node | string | false | null | undefined
/** Runs a handler of ours; a failure stays inside the widget, never reaching the host page. */
const safe =
  <A extends unknown[]>(fn: (...a: A) => void) =>
  (...a: A) => {
    try {
      fn(...a)
    } catch {}
  }

/** A DOM element with attributes, `on<event>` handlers (guarded) and children. */
function h(tag: string, attrs: Record<string, string | ((e: Event) => void)> = {}, ...kids: Kid[]): HTMLElement {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs))
    if (typeof v === 'function') el.addEventListener(k.slice(2), safe(v))
    else el.setAttribute(k, v)
  el.append(...(kids.filter(Boolean) as (Node | string)[]))
  return el
}

/** Nudge text in the safe markdown subset as DOM nodes (never parsed as HTML). */
const rich = (text: string): Kid[] =>
  richParts(text).map((p) =>
    p.t === 'br'
      ? h('br')
      : p.t === 'b'
        ? h('strong', {}, p.text)
        : p.t === 'i'
          ? h('em', {}, p.text)
          : p.t === 'a'
            ? h('a', { href: p.href }, p.text)
            : p.text,
  )

let sheet: CSSStyleSheet | undefined
let host: NudgeHost
let theme: Record<string, string> = {}

/** The tour on screen (one at a time): its steps, the step shown, and where it was last laid out. */
let active: { tour: DueTour; step: number; fromLauncher: boolean } | null = null
let card: { el: HTMLElement; cleanup: () => void } | null = null
/** `key:step:path` of the step being shown or awaited, so a re-render on the same page leaves it be. */
let showing = ''
/** `key:step` last reported shown: a step counts once each time it comes on screen. */
let reported = ''
let seq = 0
let returnFocus: HTMLElement | null = null

function mountHost(key: string, parent: Element = document.body) {
  sheet ??= new CSSStyleSheet()
  if (!sheet.cssRules.length) sheet.replaceSync(CSS + TOUR_CSS)
  return shadowHost(key, parent, sheet, theme)
}

function removeCard() {
  card?.cleanup()
  card?.el.remove()
  card = null
}

function close() {
  removeCard()
  active = null
  showing = reported = ''
  seq++
  document.removeEventListener('keydown', onKey)
  if (returnFocus?.isConnected) returnFocus.focus()
  returnFocus = null
}

// Escape skips the tour, as Escape dismisses every other kind
const onKey = safe((e: KeyboardEvent) => {
  if (e.key === 'Escape' && card) move('skip')
})

/** next / back / skip: the shared state machine decides, the server hears the move with the step it was made on. */
function move(m: TourMove) {
  if (!active) return
  const { tour, step } = active
  const total = tour.steps.length
  host.report(moveAction({ step, status: 'active' }, m, total), tour.key, { step })
  const next = moveTour({ step, status: 'active' }, m, total)
  // the launcher's entry follows at once, before the server's next answer
  const g = guides.find((x) => x.key === tour.key)
  if (g) Object.assign(g, { status: next.status, done: next.status === 'completed' ? total : next.step })
  if (next.status !== 'active') return close()
  active.step = next.step
  const path = tour.steps[next.step].path
  // a step on another (literal) page takes the user there; a pattern waits until they go to a page it matches
  if (path && !path.includes('*') && !pathMatches(path, location.pathname)) host.navigate(path)
  show()
}

function stepButtons(i: number): HTMLElement[] {
  const { tour } = active!
  const custom = tour.steps[i].buttons.map((b) =>
    h(
      'button',
      {
        onclick: () => {
          host.report('clicked', tour.key, { step: i })
          const a = b.action
          if (a.type === 'go') return (move('next'), host.navigate(a.path))
          if (a.type === 'dismiss') return move('skip')
          if (a.type === 'snooze') host.report('snoozed', tour.key, { days: a.days, step: i })
          else host.report('completed', tour.key, { step: i })
          close()
        },
      },
      b.label,
    ),
  )
  const last = i === tour.steps.length - 1
  return [
    h('button', { class: 'skip', onclick: () => move('skip') }, 'Skip tour'),
    i > 0 && h('button', { onclick: () => move('back') }, 'Back'),
    ...custom,
    h('button', { class: 'primary', 'data-next': '', onclick: () => move('next') }, last ? 'Done' : 'Next'),
  ].filter((b): b is HTMLElement => !!b)
}

/** Shows the active tour's step: on its page (else it waits for the next render), next to its anchor or floating. */
async function showStep(): Promise<void> {
  if (!active) return
  const { tour, step } = active
  const s = tour.steps[step]
  const token = ++seq
  showing = `${tour.key}:${step}:${location.pathname}`
  removeCard()
  if (s.path && !pathMatches(s.path, location.pathname)) return
  let anchor: Element | null = null
  if (s.anchor) {
    const found = await waitForAnchor(s.anchor)
    if (token !== seq) return // moved on, or closed, while the anchor was awaited
    if (found === false) return // navigated away: the next page's render shows it
    // a missing anchor is reported, and the step shown floating so the tour never gets stuck
    if (found === null) host.report('anchorMissing', tour.key, { selector: s.anchor, step })
    anchor = found
  }
  const { el, root } = mountHost(tour.key, anchor?.closest('dialog[open]') ?? document.body)
  const id = `t${step}`
  const buttons = stepButtons(step)
  const dialog = h(
    'div',
    { class: `card tour rel ${anchor ? '' : 'float'}`, role: 'dialog', 'aria-labelledby': `${id}t`, 'aria-describedby': `${id}b` },
    h('p', { class: 'prog' }, `${step + 1} of ${tour.steps.length}`),
    h('h2', { id: `${id}t` }, s.title),
    h('p', { id: `${id}b` }, ...rich(s.body)),
    h('div', { class: 'row' }, ...buttons),
  )
  root.append(dialog)
  let frame = 0
  const place = safe(() => {
    cancelAnimationFrame(frame)
    frame = requestAnimationFrame(
      safe(() => {
        if (!anchor) return
        const r = dialog.getBoundingClientRect()
        const p = placeNear(anchor.getBoundingClientRect(), { w: r.width, h: r.height }, { w: innerWidth, h: innerHeight }, s.placement)
        dialog.style.top = `${p.top}px`
        dialog.style.left = `${p.left}px`
        dialog.dataset.placement = p.placement
      }),
    )
  })
  if (anchor) {
    const r = anchor.getBoundingClientRect()
    if (r.bottom < 0 || r.top > innerHeight) anchor.scrollIntoView({ block: 'center' })
    place()
    addEventListener('scroll', place, true)
    addEventListener('resize', place)
  }
  card = {
    el,
    cleanup: () => {
      cancelAnimationFrame(frame)
      removeEventListener('scroll', place, true)
      removeEventListener('resize', place)
    },
  }
  document.addEventListener('keydown', onKey)
  const focused = document.activeElement
  if (!returnFocus && focused instanceof HTMLElement && focused !== document.body) returnFocus = focused
  buttons[buttons.length - 1].focus({ preventScroll: true })
  if (reported !== `${tour.key}:${step}`) {
    reported = `${tour.key}:${step}`
    host.report('shown', tour.key, { step })
  }
}

/** Shows the step; whatever fails stays inside the widget. */
const show = () => void showStep().catch(() => {})

function start(tour: DueTour, step: number, fromLauncher: boolean) {
  close()
  active = { tour, step, fromLauncher }
  const path = tour.steps[step].path
  if (fromLauncher && path && !path.includes('*') && !pathMatches(path, location.pathname)) host.navigate(path)
  show()
}

// ---- launcher ----------------------------------------------------------------------------------------------

let launcher: { el: HTMLElement; root: HTMLElement; button: HTMLElement; panel: HTMLElement | null } | null = null
let guides: Guide[] = []

function guideText(g: Guide): string {
  if (g.status === 'completed') return g.kind === 'tour' ? 'Done' : `All ${g.total} done`
  if (g.kind === 'checklist') return `${g.done} of ${g.total} done`
  if (g.status === 'new') return `${g.total} steps`
  return `${g.status === 'dismissed' ? 'Skipped at' : 'At'} step ${g.done + 1} of ${g.total}`
}

function openGuide(g: Guide) {
  togglePanel(false)
  if (g.kind === 'checklist') {
    // a dismissed checklist comes back on the next page the nudge UI renders
    host.report('restarted', g.key)
    return
  }
  if (!g.tour) return
  if (g.status === 'active') return start(g.tour, g.tour.step, true)
  host.report('restarted', g.key, { step: 0 })
  Object.assign(g, { status: 'active', done: 0 })
  start(g.tour, 0, true)
}

function panelItems(): HTMLElement {
  return h(
    'ul',
    {},
    ...guides.map((g) => {
      const verb =
        g.kind === 'tour'
          ? g.status === 'active'
            ? 'Resume'
            : g.status === 'new'
              ? 'Start'
              : 'Restart'
          : g.status === 'dismissed'
            ? 'Show again'
            : ''
      return h(
        'li',
        { 'data-guide': g.key },
        h(
          'div',
          {},
          h('span', { class: 'gt' }, g.title),
          verb && h('button', { 'aria-label': `${verb}: ${g.title}`, onclick: () => openGuide(g) }, verb),
        ),
        h('p', { class: 'gs' }, guideText(g)),
        g.items &&
          h(
            'ul',
            { class: 'steps' },
            ...g.items.map((i) =>
              h('li', { class: i.done ? 'done' : '', role: 'checkbox', 'aria-checked': String(i.done) }, i.done ? '✓ ' : '○ ', i.label),
            ),
          ),
      )
    }),
  )
}

const onPanelKey = safe((e: KeyboardEvent) => {
  if (e.key === 'Escape') togglePanel(false, true)
})

function togglePanel(open: boolean, refocus = false) {
  if (!launcher) return
  launcher.panel?.remove()
  launcher.panel = null
  launcher.button.setAttribute('aria-expanded', String(open))
  document.removeEventListener('keydown', onPanelKey)
  if (!open) return refocus ? launcher.button.focus() : undefined
  const label = launcher.button.textContent ?? 'Help'
  launcher.panel = h(
    'div',
    {
      id: 'up-guides',
      class: `card lpanel rel ${launcher.button.classList.contains('left') ? 'left' : 'right'}`,
      role: 'dialog',
      'aria-label': label,
    },
    h('h2', {}, label),
    panelItems(),
  )
  launcher.root.append(launcher.panel)
  document.addEventListener('keydown', onPanelKey)
  launcher.panel.querySelector<HTMLElement>('button')?.focus()
}

/** Clear of the nudge panels (checklist, NPS) that share the bottom-right corner: the launcher sits just above them. */
function lift() {
  if (!launcher) return
  let bottom = 16
  if (launcher.button.classList.contains('right'))
    for (const el of Array.from(document.querySelectorAll('[data-uptake-host]'))) {
      const panel = el.shadowRoot?.querySelector('.panel')
      if (panel) bottom = Math.max(bottom, innerHeight - panel.getBoundingClientRect().top + 8)
    }
  // set through the CSSOM, as the theme is (allowed under a strict style-src)
  launcher.root.style.setProperty('--lb', `${Math.round(bottom)}px`)
}

function renderLauncher(l: NudgesResponse['launcher']) {
  if (!l) {
    togglePanel(false)
    launcher?.el.remove()
    launcher = null
    return
  }
  guides = l.guides
  const side = l.position === 'bottom-left' ? 'left' : 'right'
  if (!launcher) {
    const { el, root } = mountHost('launcher')
    const button = h(
      'button',
      { class: `launch ${side}`, 'aria-expanded': 'false', 'aria-controls': 'up-guides', onclick: () => togglePanel(!launcher?.panel) },
      l.label,
    )
    root.append(button)
    launcher = { el, root, button, panel: null }
  } else {
    launcher.button.className = `launch ${side}`
    launcher.button.textContent = l.label
    // progress changed under an open panel: its list is redrawn in place
    if (launcher.panel) launcher.panel.querySelector('ul')?.replaceWith(panelItems())
  }
  lift()
  setTimeout(safe(lift), 600) // a panel the nudge chunk mounts in the same pass
}

const ui: ToursUI = {
  render: safe((answer: NudgesResponse, core: NudgeHost) => {
    host = core
    theme = answer.theme ?? {}
    renderLauncher(answer.launcher)
    const tours = answer.tours ?? []
    const due = active && tours.find((t) => t.key === active!.tour.key)
    // no longer due (skipped or finished elsewhere); one started from the launcher stays until the server knows it
    if (active && !due && !active.fromLauncher) close()
    if (due) active!.fromLauncher = false
    if (!active && tours[0]) start(tours[0], tours[0].step, false)
    else if (active && showing !== `${active.tour.key}:${active.step}:${location.pathname}`) show()
  }),
}

;(window as unknown as Record<string, ToursUI>)[TOURS_UI_GLOBAL] = ui
