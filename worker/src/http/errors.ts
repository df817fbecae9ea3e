import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** One JSON error shape for every status: `{ error: { code, message, details? } }`. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(status, { message })
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError(400, 'bad_request', message, details)
export const notFound = (message: string) => new ApiError(404, 'not_found', message)
export const bodyTooLarge = (maxBytes: number) => new ApiError(413, 'payload_too_large', `Request body is larger than ${maxBytes} bytes`)

/** Human-readable lines from a zod error, e.g. `batch.0.event: Required`. */
interface IssueList {
  issues: readonly { path: readonly PropertyKey[]; message: string }[]
}

export function zodIssues(error: IssueList): string[] {
  return error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
}

export function validationError(error: IssueList): ApiError {
  return new ApiError(400, 'invalid_request', 'The request did not match the expected shape', zodIssues(error))
}

/**
 * Transient database states: SQLite locks, the D1 errors whose documented action is "retry"
 * (developers.cloudflare.com/d1/observability/debug-d1/#error-list), and D1 storage failures the runtime hides
 * as "internal error; reference = …" (a local database locked by another process arrives so: workerd logs the
 * SQLITE_BUSY, the worker sees only the reference).
 */
const RETRYABLE_DB_ERRORS = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'database is locked',
  'database table is locked',
  'D1 DB reset because its code was updated',
  'storage caused object to be reset',
  'Network connection lost',
  'Cannot resolve D1 DB due to transient issue on remote node',
  'D1 DB storage operation exceeded timeout',
  'D1 DB is overloaded',
  "Can't read from request stream because client disconnected",
]
const HIDDEN_D1_STORAGE_ERROR = /D1_\w*ERROR\b.*\binternal error\b/

/** Seconds a client should wait before retrying after a transient database error. */
export const RETRY_AFTER_SECONDS = 2

/** Whether an error (or its cause chain) is a busy, locked or overloaded database: safe to retry. */
export function isRetryableDbError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : ''
    if (RETRYABLE_DB_ERRORS.some((m) => message.includes(m)) || HIDDEN_D1_STORAGE_ERROR.test(message)) return true
  }
  return false
}

export function renderError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    // every 503 is retryable (a busy queue or database): say when (RFC 9110 §10.2.3)
    if (err.status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS))
    return c.json({ error: { code: err.code, message: err.message, details: err.details } }, err.status)
  }
  if (isRetryableDbError(err)) {
    console.warn('database unavailable', err.message)
    c.header('Retry-After', String(RETRY_AFTER_SECONDS))
    return c.json({ error: { code: 'unavailable', message: `The database is busy; retry in ${RETRY_AFTER_SECONDS} seconds` } }, 503)
  }
  if (err instanceof HTTPException) {
    const res = err.getResponse()
    const code = res.status === 413 ? 'payload_too_large' : 'http_error'
    return c.json({ error: { code, message: err.message || res.statusText } }, res.status as ContentfulStatusCode)
  }
  console.error('unhandled error', err)
  return c.json({ error: { code: 'internal_error', message: 'Something went wrong on our side' } }, 500)
}
