/**
 * localStorage that never throws, read once per key: this tab's copy of each value lives in memory, so disabled
 * storage, a full quota or a sandboxed iframe leave the widget working (for this page) rather than forgetful.
 */
const PREFIX = 'uptake:'
/** Raw JSON per key as this tab last read or wrote it (null: absent); another tab's write invalidates it. */
const mem = new Map<string, string | null>()

addEventListener('storage', (e) => (e.key ? e.key.startsWith(PREFIX) && mem.delete(e.key.slice(PREFIX.length)) : mem.clear()))

export function load<T>(key: string): T | undefined {
  let raw = mem.get(key)
  if (raw === undefined) {
    try {
      raw = localStorage.getItem(PREFIX + key)
    } catch {
      raw = null
    }
    mem.set(key, raw)
  }
  try {
    return raw == null ? undefined : (JSON.parse(raw) as T)
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
    return true
  } catch {
    return false
  }
}

export function clearAll(): void {
  mem.clear()
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key)
  } catch {
    // nothing to clear
  }
}
