import { useCallback, useEffect, useState } from 'preact/hooks'
import { api } from '../api'

export interface Resource<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  reload: () => void
  /** Replaces the loaded data in place (after an action changed it on the server). */
  set: (data: T) => void
}

/** GETs `path` (relative to /api/v1) whenever it changes; null waits. Earlier requests are aborted. */
export function useApi<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: path !== null })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (path === null) return
    const ctl = new AbortController()
    setState((s) => ({ data: s.data, loading: true }))
    api<T>(path, { signal: ctl.signal }).then(
      (data) => setState({ data, loading: false }),
      (error) => {
        if ((error as Error).name !== 'AbortError') setState({ error, loading: false })
      },
    )
    return () => ctl.abort()
  }, [path, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  const set = useCallback((data: T) => setState({ data, loading: false }), [])
  return { data: state.data, error: state.error, loading: state.loading, reload, set }
}
