/**
 * Key casing between the public API and stored documents (snake_case) and the worker's domain types (camelCase).
 * Only identifier-like keys change (`minDaysBetween` ⇄ `min_days_between`), at any depth; values never do, and
 * keys that are data rather than names (`pt-BR`, `default`, `$set`) pass as they are. Fields named in `keep` hold
 * records keyed by data (`tech_touch` profiles): their own keys stay, their values are still converted.
 */

const CAMEL_KEY = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/
const SNAKE_KEY = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/

type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S
type SnakeCase<S extends string, Acc extends string = ''> = S extends `${infer C}${infer R}`
  ? SnakeCase<R, `${Acc}${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}`>
  : Acc

/** `T` with every key camelCased, at any depth (the domain type of a snake_case document). */
export type CamelKeys<T> = T extends readonly unknown[]
  ? { [I in keyof T]: CamelKeys<T[I]> }
  : T extends object
    ? { [K in keyof T as K extends string ? CamelCase<K> : K]: CamelKeys<T[K]> }
    : T

/** `T` with every key snake_cased, at any depth (the wire or stored form of a camelCase domain object). */
export type SnakeKeys<T> = T extends readonly unknown[]
  ? { [I in keyof T]: SnakeKeys<T[I]> }
  : T extends object
    ? { [K in keyof T as K extends string ? SnakeCase<K> : K]: SnakeKeys<T[K]> }
    : T

const toSnake = (key: string) => (CAMEL_KEY.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key)
const toCamel = (key: string) => (SNAKE_KEY.test(key) ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key)

function rekey(value: unknown, convert: (key: string) => string, keep: ReadonlySet<string>, keepOwnKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => rekey(v, convert, keep))
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [keepOwnKeys ? k : convert(k), rekey(v, convert, keep, keep.has(k))]))
}

/** snake_case keys of a camelCase object; also reads a legacy camelCase document in its snake_case form. */
export function snakeKeys<T>(value: T, keep: ReadonlySet<string> = new Set()): SnakeKeys<T> {
  return rekey(value, toSnake, keep) as SnakeKeys<T>
}

/** camelCase keys of a snake_case object (a validated wire or stored document into its domain type). */
export function camelKeys<T>(value: T, keep: ReadonlySet<string> = new Set()): CamelKeys<T> {
  return rekey(value, toCamel, keep) as CamelKeys<T>
}
