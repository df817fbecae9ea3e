import type { ComponentChildren } from 'preact'
import { ApiFailure } from '../api'

/** Shown while a view's data loads; announced politely to screen readers. */
export function Loading(props: { label?: string }) {
  return (
    <p class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {props.label ?? 'Loading…'}
    </p>
  )
}

function describe(error: unknown): string {
  if (error instanceof ApiFailure) {
    if (error.status === 401) return 'Your key was not accepted. Sign out and sign in again.'
    if (error.status === 403) return 'This needs an admin key (sk_…). A read key can only look.'
    if (error.status === 404 && error.code === 'not_found' && /No endpoint/.test(error.message))
      return 'This server does not offer this view yet (endpoint missing). Update the worker.'
    return error.message
  }
  return error instanceof Error ? error.message : String(error)
}

/** A failed load or action: what went wrong in words, and a retry when there is something to retry. */
export function ErrorState(props: { error: unknown; retry?: () => void; title?: string }) {
  return (
    <div class="state state-error" role="alert">
      <strong>{props.title ?? 'Could not load this'}</strong>
      <p>{describe(props.error)}</p>
      {props.retry && (
        <button type="button" class="secondary" onClick={props.retry}>
          Try again
        </button>
      )}
    </div>
  )
}

/** Nothing to show, said plainly, with a hint of what would fill it. */
export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <strong>{props.title}</strong>
      {props.children && <p>{props.children}</p>}
    </div>
  )
}
