import { themeValueOk } from '../../../shared/theme'

/** The project theme's keys as CSS custom properties inside the shadow root. */
export const THEME_VARS: Record<string, string> = {
  accent: '--uptake-accent',
  bg: '--uptake-bg',
  fg: '--uptake-fg',
  radius: '--uptake-radius',
  font: '--uptake-font',
  bgDark: '--uptake-bg-dark',
  fgDark: '--uptake-fg-dark',
}

/**
 * A shadow host for one piece of UI (`data-uptake-host=<key>`) with the stylesheet adopted (constructable
 * stylesheets: no <style> or style attribute in the host document, CSP-safe) and the project's theme set through
 * the CSSOM (allowed under a strict style-src), each value re-checked so no url() ever applies. Returns its root.
 */
export function shadowHost(key: string, parent: Element, sheet: CSSStyleSheet, theme: Record<string, string>) {
  const el = document.createElement('div')
  el.setAttribute('data-uptake-host', key)
  parent.appendChild(el)
  const shadow = el.attachShadow({ mode: 'open' })
  shadow.adoptedStyleSheets = [sheet]
  const root = document.createElement('div')
  root.className = 'u'
  for (const [k, v] of Object.entries(theme)) if (THEME_VARS[k] && themeValueOk(k, v)) root.style.setProperty(THEME_VARS[k], v)
  shadow.appendChild(root)
  return { el, root }
}
