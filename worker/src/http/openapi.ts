/**
 * The API contract: every route is declared once with `createRoute` (request and response zod schemas), which
 * validates input, types the handler's output and becomes the OpenAPI 3.1 document at /api/v1/openapi.json.
 * https://github.com/honojs/middleware/tree/main/packages/zod-openapi
 */
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from './env'
import { ApiError, validationError } from './errors'
import { assertJsonBody } from './validate'

export { createRoute, z } from '@hono/zod-openapi'

interface HookResult {
  target: string
  success: boolean
  data?: unknown
  error?: { issues: readonly { code: string; path: readonly PropertyKey[]; message: string; keys?: string[] }[] }
}

const ACCEPTED = /\u0000accepted:(.*)$/

/** One hook for every route: our 400s (`invalid_request`, `unknown_parameter`, `unknown_fields`) and JSON-only bodies. */
export async function contractHook(result: HookResult, c: Context) {
  if (!result.success) {
    const issues = result.error!.issues
    const unrecognized = issues.find((i) => i.code === 'unrecognized_keys')
    if (result.target === 'query' && unrecognized) {
      const accepted = ACCEPTED.exec(unrecognized.message)?.[1]?.split(',').filter(Boolean) ?? []
      const unknown = unrecognized.keys ?? []
      const takes = accepted.length ? `Accepted: ${accepted.join(', ')}` : 'This endpoint takes no query parameters'
      throw new ApiError(400, 'unknown_parameter', `Unknown query parameter(s): ${unknown.join(', ')}. ${takes}`, { unknown, accepted })
    }
    throw validationError(result.error!)
  }
  if (result.target === 'json') await assertJsonBody(c, result.data)
}

/** A router for one slice: every route on it goes through `contractHook`. */
export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: contractHook as never })

/**
 * A query-string schema that refuses parameters it does not list (400 `unknown_parameter` naming the accepted
 * ones), so a typo never silently answers for the default.
 */
export function querySchema<S extends z.ZodRawShape>(shape: S) {
  const accepted = Object.keys(shape).join(',')
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown\u0000accepted:${accepted}` : undefined) })
}

/** The one error envelope, for every status. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ example: 'The request did not match the expected shape' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error')

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: malformed JSON, a value out of bounds, an unknown field or query parameter',
  401: 'Missing, unknown or revoked key',
  403: 'A read key tried to change something',
  404: 'No such resource in this project',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Body is not JSON',
  503: 'Database busy: retry after `Retry-After` seconds',
}

/** The error responses a route can give, all in the one envelope. */
export function errorResponses(...statuses: number[]) {
  const all = [...new Set([400, 401, 413, 503, ...statuses])]
  return Object.fromEntries(
    all.map((s) => [s, { description: ERROR_TEXT[s] ?? 'Error', content: { 'application/json': { schema: ErrorBody } } }]),
  )
}

/** A JSON response with its schema. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

/** A JSON request body with its schema. */
export const jsonBody = <T extends z.ZodType>(schema: T, description = 'JSON body') => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
})

/** Security requirements by key kind (registered as components in app.ts). */
export const auth: Record<'write' | 'read' | 'admin' | 'operator' | 'session', Record<string, string[]>[]> = {
  write: [{ writeKey: [] }],
  read: [{ readKey: [] }, { adminKey: [] }],
  admin: [{ adminKey: [] }],
  operator: [{ operatorKey: [] }],
  session: [{ authoringSession: [] }],
}
