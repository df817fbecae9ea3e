/**
 * localStorage that never throws. This tab's copy of each value lives in memory too, so disabled storage, a full
 * quota or a sandboxed iframe leave the widget working (for this page) rather than forgetful.
 */
const PREFIX = 'uptake:'
/** Raw JSON per key as this tab last read or wrote it (null: absent). */
const mem = new Map<string, string | null>()
/** Keys whose last write did not reach localStorage: this tab's copy is newer than what storage holds. */
const unsaved = new Set<string>()

export function load<T>(key: string): T | undefined {
  // storage first (another tab may have written since), unless it failed to take this tab's latest value
  if (!unsaved.has(key)) {
    try {
      mem.set(key, localStorage.getItem(PREFIX + key))
    } catch {
      // unreadable: this tab's copy
    }
  }
  try {
    return JSON.parse(mem.get(key) ?? 'null') ?? undefined
  } catch {
    return undefined
  }
}

/** Keeps the value for this page, and reports whether it also reached localStorage. */
export function save(key: string, value: unknown): boolean {
  const raw = JSON.stringify(value)
  mem.set(key, raw)
  try {
    localStorage.setItem(PREFIX + key, raw)
    unsaved.delete(key)
    return true
  } catch {
    unsaved.add(key)
    return false
  }
}

export function clearAll(): void {
  mem.clear()
  unsaved.clear()
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key)
  } catch {
    // nothing to clear
  }
}
