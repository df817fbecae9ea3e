import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ErrorState, Loading } from './ui/states'

/** A view loaded on first use (its own chunk), with the console's loading and error states meanwhile. */
export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined
  return function LazyView(props: P) {
    const [state, setState] = useState<{ C?: ComponentType<P>; error?: unknown }>({ C: loaded })
    useEffect(() => {
      if (loaded) return
      let live = true
      load().then(
        (C) => {
          loaded = C
          if (live) setState({ C })
        },
        (error) => live && setState({ error }),
      )
      return () => void (live = false)
    }, [])
    if (state.error) return <ErrorState title="Could not load this view" error={state.error} retry={() => location.reload()} />
    const C = state.C
    return C ? <C {...props} /> : <Loading />
  }
}
