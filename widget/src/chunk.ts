/**
 * Injects a lazily loaded, content-hashed chunk (`uptake-<name>.<hash>.js`) pinned by the integrity fixed at build
 * time, and resolves the global it registers; null when it fails to load.
 */
export const loadChunk = <T>(src: string, integrity: string, global: string) =>
  new Promise<T | null>((resolve) => {
    const s = document.createElement('script')
    s.src = src
    s.integrity = integrity
    s.crossOrigin = 'anonymous'
    s.async = true
    s.onload = () => resolve((window as unknown as Record<string, T>)[global] ?? null)
    s.onerror = () => resolve(null)
    document.head.appendChild(s)
  })
