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

export function renderError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json({ error: { code: err.code, message: err.message, details: err.details } }, err.status)
  }
  if (err instanceof HTTPException) {
    const res = err.getResponse()
    const code = res.status === 413 ? 'payload_too_large' : 'http_error'
    return c.json({ error: { code, message: err.message || res.statusText } }, res.status as ContentfulStatusCode)
  }
  console.error('unhandled error', err)
  return c.json({ error: { code: 'internal_error', message: 'Something went wrong on our side' } }, 500)
}
