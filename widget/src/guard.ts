/** Runs host-facing code so that none of the widget's own errors can reach the host page. */
export type ErrorSink = (error: unknown, where: string) => void

let sink: ErrorSink = () => {}

export function onWidgetError(next: ErrorSink): void {
  sink = next
}

export function guard<A extends unknown[], R>(where: string, fn: (...args: A) => R): (...args: A) => R | undefined {
  return (...args: A) => {
    try {
      return fn(...args)
    } catch (error) {
      try {
        sink(error, where)
      } catch {
        // the sink failing must not throw either
      }
      return undefined
    }
  }
}
