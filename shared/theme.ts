/**
 * What each nudge theme value may hold: checked by the server when settings are written and again by the widget
 * before a value reaches a style, so no `url(`, `image-set(`, declaration or comment can. Plain regexes (no zod),
 * so the nudge chunk can import them.
 */
const COLOUR = /^(#([\da-f]{3,4}|[\da-f]{6}|[\da-f]{8})|(rgb|hsl)a?\([\w\s.,%/+-]{1,60}\)|[a-z]{3,30})$/i
const LENGTH = /^(0|\d{1,3}(\.\d{1,3})?(px|rem|em))$/
/** A font-family list: names, bare or quoted, comma-separated (no parentheses, so no url() or local()). */
const FAMILY = `(\\s*("[\\w -]{1,50}"|'[\\w -]{1,50}'|[a-z][\\w -]{0,49})\\s*)`
const FONT = new RegExp(`^${FAMILY}(,${FAMILY}){0,9}$`, 'i')

/** Theme keys and the kind of value each takes. */
export const THEME_KEYS = { accent: COLOUR, bg: COLOUR, fg: COLOUR, bgDark: COLOUR, fgDark: COLOUR, radius: LENGTH, font: FONT } as const
export type ThemeKey = keyof typeof THEME_KEYS

export const THEME_HINTS: Record<ThemeKey, string> = {
  accent: 'a colour: #hex, rgb(), rgba(), hsl(), hsla() or a named colour',
  bg: 'a colour: #hex, rgb(), rgba(), hsl(), hsla() or a named colour',
  fg: 'a colour: #hex, rgb(), rgba(), hsl(), hsla() or a named colour',
  bgDark: 'a colour: #hex, rgb(), rgba(), hsl(), hsla() or a named colour',
  fgDark: 'a colour: #hex, rgb(), rgba(), hsl(), hsla() or a named colour',
  radius: 'a length: 0 or a number with px, rem or em',
  font: 'a font-family list: names, bare or quoted, separated by commas',
}

/** Whether `value` is a valid theme value for `key` (unknown keys never are). */
export function themeValueOk(key: string, value: unknown): boolean {
  return Object.hasOwn(THEME_KEYS, key) && typeof value === 'string' && value.length <= 200 && THEME_KEYS[key as ThemeKey].test(value)
}
