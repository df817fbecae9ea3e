/**
 * A value per key kept in this isolate for `ttlMs`: control-plane reads on hot paths (feature rules, published
 * nudges, settings) then cost nothing most of the time. A write in the same isolate calls `forget` so it is
 * visible at once; other isolates see it within `ttlMs`.
 */
export interface IsolateCache<V> {
  get(key: string, load: () => Promise<V>, now?: number): Promise<V>
  /** The value while it is fresh, else undefined; nothing is loaded. */
  peek(key: string, now?: number): V | undefined
  /** A token to take before reading a value outside `get`, for `put`. */
  version(): number
  /** Keeps a value read outside `get` (beside another read), unless a `forget` came after `since` = version(). */
  put(key: string, value: V, since: number, now?: number): void
  forget(key: string): void
}

export function isolateCache<V>(ttlMs: number, maxEntries = 1000): IsolateCache<V> {
  const entries = new Map<string, { value: V; until: number }>()
  // bumped by forget: a load that started before a write must not store what it read before it
  let generation = 0
  const peek = (key: string, now = Date.now()) => {
    const hit = entries.get(key)
    return hit && hit.until > now ? hit.value : undefined
  }
  const put = (key: string, value: V, since: number, now = Date.now()) => {
    if (since !== generation) return
    if (entries.size >= maxEntries) entries.clear() // a long-lived isolate serving many projects must not grow without bound
    entries.set(key, { value, until: now + ttlMs })
  }
  return {
    async get(key, load, now = Date.now()) {
      const hit = entries.get(key)
      if (hit && hit.until > now) return hit.value
      const started = generation
      const value = await load()
      put(key, value, started, now)
      return value
    },
    peek,
    version: () => generation,
    put,
    forget(key) {
      generation++
      entries.delete(key)
    },
  }
}
