import { zValidator } from '@hono/zod-validator'
import type { Context, ValidationTargets } from 'hono'
import { z, type ZodType } from 'zod'
import { ApiError, validationError } from './errors'

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i
const MAX_REPORTED_KEYS = 20
const MAX_DIFF_DEPTH = 64

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Keys of `input` that the schema dropped from `output` (zod strips unknown keys), as dotted paths:
 * the fields a client sent that we do not know, at any depth.
 */
export function unknownKeys(input: unknown, output: unknown, path = '', depth = 0, found: string[] = []): string[] {
  if (depth > MAX_DIFF_DEPTH || found.length >= MAX_REPORTED_KEYS) return found
  if (Array.isArray(input) && Array.isArray(output)) {
    for (let i = 0; i < input.length && i < output.length; i++) unknownKeys(input[i], output[i], `${path}${i}.`, depth + 1, found)
  } else if (isPlainObject(input) && isPlainObject(output)) {
    for (const key of Object.keys(input)) {
      if (found.length >= MAX_REPORTED_KEYS) break
      // own keys only: `toString` or `__proto__` in a body must not pass as known
      if (!Object.hasOwn(output, key)) found.push(path + key)
      else unknownKeys(input[key], output[key], `${path}${key}.`, depth + 1, found)
    }
  }
  return found
}

export async function assertJsonBody(c: Context, output: unknown) {
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0].trim()
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    // hono validates a non-JSON body as `{}`; refuse it instead of acting on an empty object
    if ((await c.req.arrayBuffer()).byteLength > 0)
      throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json')
    return
  }
  const unknown = unknownKeys(await c.req.json(), output)
  if (unknown.length) throw new ApiError(400, 'unknown_fields', `Unknown field(s): ${unknown.join(', ')}`, { unknown })
}

/**
 * zValidator that throws our JSON 400 instead of hono's default response. JSON bodies must be sent as
 * JSON and may not carry fields the schema does not know (400 `unknown_fields` naming them).
 */
export const validate = <T extends ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  zValidator(target, schema, async (result, c) => {
    if (!result.success) throw validationError(result.error)
    if (target === 'json') await assertJsonBody(c, result.data)
  })

/**
 * A query or path integer written in plain decimal: `0x10`, `1e3`, ` 5`, `+5` and `5.0` are refused,
 * though `Number()` (and so `z.coerce.number()`) would take them.
 */
export const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d{1,15}$/, 'a whole number in plain decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))

/**
 * Query-string validation for every route: parameters the route does not accept are refused with 400
 * `unknown_parameter` listing the accepted ones (a typo must not silently answer for the default).
 */
export function validateQuery<S extends z.ZodRawShape>(shape: S) {
  const accepted = Object.keys(shape)
  return zValidator('query', z.strictObject(shape), (result) => {
    if (result.success) return
    const unknown = result.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []))
    if (!unknown.length) throw validationError(result.error)
    const takes = accepted.length ? `Accepted: ${accepted.join(', ')}` : 'This endpoint takes no query parameters'
    throw new ApiError(400, 'unknown_parameter', `Unknown query parameter(s): ${unknown.join(', ')}. ${takes}`, { unknown, accepted })
  })
}

/** For routes that take no query parameters. */
export const noQuery = validateQuery({})
