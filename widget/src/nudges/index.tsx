import { render as renderPreact } from 'preact'
import type { DueNudge } from '../../../shared/nudge-events'
import { deepQuery, waitForAnchor } from './anchor'
import { Banner, Checklist, Hotspot, Modal, Nps, Tooltip, type ViewProps } from './components'
import { themeValueOk } from '../../../shared/theme'
import { navigate, NUDGE_UI_GLOBAL, type NudgeHost, type NudgeUI } from './host'
import { CSS } from './styles'
import { BUILDER_GLOBAL, type BuilderEntry } from '../builder/host'
import { loadChunk } from '../chunk'
import { TOURS_UI_GLOBAL, type ToursUI } from '../tours/host'

declare const __UPTAKE_BUILDER__: string
declare const __UPTAKE_BUILDER_SRI__: string
declare const __UPTAKE_TOURS__: string
declare const __UPTAKE_TOURS_SRI__: string

let tours: Promise<ToursUI | null> | undefined
/** Where this chunk was loaded from (the Uptake host): its sibling chunks are there too. */
const chunkBase = (document.currentScript as HTMLScriptElement | null)?.src || location.href

const VIEWS = { banner: Banner, modal: Modal, tooltip: Tooltip, hotspot: Hotspot, checklist: Checklist, nps: Nps }
const mounted = new Map<string, { el: HTMLElement; nudge: DueNudge }>()
let sheet: CSSStyleSheet | null = null
let theme: Record<string, string> = {}
const THEME_VARS: Record<string, string> = {
  accent: '--uptake-accent',
  bg: '--uptake-bg',
  fg: '--uptake-fg',
  radius: '--uptake-radius',
  font: '--uptake-font',
  bgDark: '--uptake-bg-dark',
  fgDark: '--uptake-fg-dark',
}

/** Each nudge gets its own shadow host: inside an open <dialog> when its anchor is, so it shares the top layer. */
function mount(nudge: DueNudge, host: NudgeHost, anchor: Element | null, registry = mounted): HTMLElement {
  const parent = anchor?.closest('dialog[open]') ?? document.body
  const el = document.createElement('div')
  el.setAttribute('data-uptake-host', nudge.key)
  parent.appendChild(el)
  const shadow = el.attachShadow({ mode: 'open' })
  // constructable stylesheets: no <style> or style attribute in the host document (CSP-safe)
  sheet ??= new CSSStyleSheet()
  if (!sheet.cssRules.length) sheet.replaceSync(CSS)
  shadow.adoptedStyleSheets = [sheet]
  const root = document.createElement('div')
  root.className = 'u'
  // the project's theme, set through the CSSOM (allowed under a strict style-src); re-checked here, so no url() ever applies
  for (const [k, v] of Object.entries(theme)) if (THEME_VARS[k] && themeValueOk(k, v)) root.style.setProperty(THEME_VARS[k], v)
  shadow.appendChild(root)
  const close = () => {
    renderPreact(null, root)
    el.remove()
    registry.delete(nudge.key)
  }
  registry.set(nudge.key, { el, nudge })
  const View = VIEWS[nudge.kind as keyof typeof VIEWS]
  const props: ViewProps = { nudge, host, close, anchor }
  renderPreact(<View {...props} />, root)
  host.report('shown', nudge.key)
  return el
}

/** The builder's preview: mounted apart from the due nudges (a refresh never removes it), recording nothing. */
const previews = new Map<string, { el: HTMLElement; nudge: DueNudge }>()
const silent: NudgeHost = { report() {}, navigate() {} }

async function show(nudge: DueNudge, host: NudgeHost): Promise<void> {
  if (nudge.requires && !deepQuery(nudge.requires)) return
  const slot = { el: document.createElement('div'), nudge }
  mounted.set(nudge.key, slot) // reserved while the anchor is awaited
  let anchor: Element | null = null
  if (nudge.anchor) {
    const found = await waitForAnchor(nudge.anchor)
    if (mounted.get(nudge.key) !== slot) return // no longer due, or shown afresh by a later render
    mounted.delete(nudge.key)
    if (!found) {
      // after a navigation (false) the new page's nudges decide: no missing-anchor report filed under that page
      if (found === null) host.report('anchorMissing', nudge.key, { selector: nudge.anchor })
      return
    }
    anchor = found
  } else mounted.delete(nudge.key)
  mount(nudge, host, anchor)
}

const ui: NudgeUI = {
  preview(nudge, projectTheme) {
    for (const p of previews.values()) p.el.remove()
    previews.clear()
    if (!nudge) return
    if (projectTheme) theme = projectTheme
    mount(nudge, silent, nudge.anchor ? deepQuery(nudge.anchor) : null, previews)
  },
  author(client, linkToken) {
    void loadChunk<BuilderEntry>(`${client.host}/${__UPTAKE_BUILDER__}`, __UPTAKE_BUILDER_SRI__, BUILDER_GLOBAL)
      .then((open) => open?.(client, linkToken, ui))
      .catch(() => {}) // the builder guards itself; nothing reaches the host page
  },
  /** Reconciles the screen with the nudges due now: new ones appear, ones no longer due go, checklists update. */
  render(answer, core) {
    const host: NudgeHost = { ...core, navigate }
    const nudges = answer.nudges
    theme = answer.theme ?? {}
    // tours and the launcher live in their own chunk: fetched the first time one is due, then kept up to date
    if (answer.tours?.length || answer.launcher || tours)
      void (tours ??= loadChunk<ToursUI>(new URL(__UPTAKE_TOURS__, chunkBase).href, __UPTAKE_TOURS_SRI__, TOURS_UI_GLOBAL))
        .then((t) => t?.render(answer, host))
        .catch(() => {})
    const due = new Map(nudges.map((n) => [n.key, n]))
    for (const [key, m] of mounted) if (!due.has(key)) (m.el.remove(), mounted.delete(key))
    for (const n of nudges) {
      const current = mounted.get(n.key)
      if (!current) void show(n, host).catch(() => {})
      else if (JSON.stringify(current.nudge.steps) !== JSON.stringify(n.steps)) {
        current.el.remove()
        mounted.delete(n.key)
        void show(n, host).catch(() => {})
      }
    }
  },
}

;(window as unknown as Record<string, NudgeUI>)[NUDGE_UI_GLOBAL] = ui
