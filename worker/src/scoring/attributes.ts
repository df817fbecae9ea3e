/**
 * Account and user attributes as scoring, segments, alerts and nudge targeting read them. Anything a client
 * can send may have the wrong type (`arr: {"toString": 1}`, `seats: [1]`, `seats: "20"`): a value of the wrong
 * type is missing, never an error. Pure.
 */
export type Attributes = Record<string, unknown>

export { DEFAULT_PROTECTED_ATTRIBUTES } from '../../../shared/config'

/** The survey NPS the server aggregates from in-app answers, kept beside the admin's `nps`. */
export const SURVEY_NPS = 'nps_survey'

const MAX_TEXT = 1000
const DAY = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/

// own properties only: `constructor` or `toString` must not read as attributes of a plain object
const own = (attrs: Attributes, key: string): unknown => (Object.hasOwn(attrs, key) ? attrs[key] : undefined)

/** A finite number, else null (numeric strings included: a number must be sent as a number). */
export function numberAttr(attrs: Attributes, key: string): number | null {
  const v = own(attrs, key)
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** A string (at most 1,000 characters), else null. */
export function stringAttr(attrs: Attributes, key: string): string | null {
  const v = own(attrs, key)
  return typeof v === 'string' && v.length <= MAX_TEXT ? v : null
}

/** A calendar day `YYYY-MM-DD` from a date or an ISO date-time string, else null. */
export function dateAttr(attrs: Attributes, key: string): string | null {
  const v = stringAttr(attrs, key)
  const m = v ? DAY.exec(v) : null
  if (!m) return null
  const day = `${m[1]}-${m[2]}-${m[3]}`
  // Date.parse accepts 2026-02-31 by rolling over; a real day round-trips unchanged
  const t = Date.parse(day)
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day ? null : day
}

/** A string, finite number or boolean (what equality and `in` compare as text), else null. */
export function scalarAttr(attrs: Attributes, key: string): string | number | boolean | null {
  const v = own(attrs, key)
  if (typeof v === 'boolean') return v
  return numberAttr(attrs, key) ?? stringAttr(attrs, key)
}

/** A stored JSON object, or `{}` when the text is not a JSON object. */
export function parseAttributes(json: string | null | undefined): Attributes {
  try {
    const v: unknown = JSON.parse(json ?? '{}')
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Attributes) : {}
  } catch {
    return {}
  }
}

/**
 * What scoring reads for an account: client traits for every name that is not protected, and the
 * admin-owned attributes (PATCH, secret-key backends, server aggregates) on top.
 */
export function effectiveAttributes(traits: Attributes, attributes: Attributes, protectedNames: readonly string[]): Attributes {
  const out: Attributes = {}
  // the survey aggregate is the server's; `__proto__` as a key would replace the prototype
  const blocked = new Set([...protectedNames, SURVEY_NPS, '__proto__'])
  for (const [k, v] of Object.entries(traits)) if (!blocked.has(k)) out[k] = v
  for (const [k, v] of Object.entries(attributes)) if (k !== '__proto__') out[k] = v
  return out
}

/** The account's NPS: the admin's value, else the in-app survey aggregate. */
export const accountNps = (attrs: Attributes): number | null => numberAttr(attrs, 'nps') ?? numberAttr(attrs, SURVEY_NPS)
