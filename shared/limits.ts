/**
 * Bounds on what the public write key may send, beyond the per-event byte limit. Plain constants and
 * functions (no zod) so the widget can import them.
 */

/**
 * Free-form objects (traits, properties, context, integrations). Depth counts the object itself as
 * level 1; SQLite's JSON functions fail past 1,000 levels, so a bound far below keeps every stored row
 * readable by `json_patch`.
 */
export const FREE_FORM_LIMITS = {
  maxDepth: 8,
  maxKeys: 200,
  maxArrayItems: 200,
  maxKeyLength: 200,
  maxStringLength: 8192,
} as const
export type FreeFormLimits = { [K in keyof typeof FREE_FORM_LIMITS]: number }

/** Merged traits kept per user or account (UTF-8 bytes); past it the incoming traits replace the stored ones. */
export const MAX_STORED_TRAITS_BYTES = 64 * 1024

/** A click's element path (`main > div.toolbar > button#export`): matched server-side for every click rule. */
export const MAX_ELEMENT_PATH_LENGTH = 1024
export const MAX_ELEMENT_PATH_DEPTH = 12

/**
 * The first way `root` exceeds `limits`, as `path: reason`, or null. Iterative, so a hostile depth
 * never exhausts the stack.
 */
export function freeFormViolation(root: unknown, limits: FreeFormLimits = FREE_FORM_LIMITS): string | null {
  const stack: [unknown, string, number][] = [[root, '', 1]]
  const at = (path: string) => path || '(root)'
  while (stack.length) {
    const [value, path, depth] = stack.pop()!
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) return `${at(path)}: string longer than ${limits.maxStringLength} characters`
      continue
    }
    if (value === null || typeof value !== 'object') continue
    if (depth > limits.maxDepth) return `${at(path)}: nested deeper than ${limits.maxDepth} levels`
    const prefix = path ? `${path}.` : ''
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayItems) return `${at(path)}: more than ${limits.maxArrayItems} items`
      value.forEach((item, i) => stack.push([item, `${prefix}${i}`, depth + 1]))
      continue
    }
    const keys = Object.keys(value)
    if (keys.length > limits.maxKeys) return `${at(path)}: more than ${limits.maxKeys} keys`
    for (const key of keys) {
      if (key.length > limits.maxKeyLength) return `${at(path)}: a key is longer than ${limits.maxKeyLength} characters`
      stack.push([(value as Record<string, unknown>)[key], `${prefix}${key}`, depth + 1])
    }
  }
  return null
}

/** Why an element path is out of bounds, or null. */
export function elementPathViolation(path: string): string | null {
  if (path.length > MAX_ELEMENT_PATH_LENGTH) return `element path longer than ${MAX_ELEMENT_PATH_LENGTH} characters`
  let levels = 1
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 62 /* > */) levels++
  return levels > MAX_ELEMENT_PATH_DEPTH ? `element path deeper than ${MAX_ELEMENT_PATH_DEPTH} levels` : null
}

/** UTF-8 byte length of a string without allocating (lone surrogates count as the 3-byte U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4
      i++
    } else n += 3
  }
  return n
}
