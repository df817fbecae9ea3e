/**
 * A value per key kept in this isolate for `ttlMs`: control-plane reads on hot paths (feature rules, published
 * nudges, settings) then cost nothing most of the time. A write in the same isolate calls `forget` so it is
 * visible at once; other isolates see it within `ttlMs`.
 */
export interface IsolateCache<V> {
  get(key: string, load: () => Promise<V>, now?: number): Promise<V>
  forget(key: string): void
}

export function isolateCache<V>(ttlMs: number, maxEntries = 1000): IsolateCache<V> {
  const entries = new Map<string, { value: V; until: number }>()
  // bumped by forget: a load that started before a write must not store what it read before it
  let generation = 0
  return {
    async get(key, load, now = Date.now()) {
      const hit = entries.get(key)
      if (hit && hit.until > now) return hit.value
      const started = generation
      const value = await load()
      if (started !== generation) return value
      if (entries.size >= maxEntries) entries.clear() // a long-lived isolate serving many projects must not grow without bound
      entries.set(key, { value, until: now + ttlMs })
      return value
    },
    forget(key) {
      generation++
      entries.delete(key)
    },
  }
}
