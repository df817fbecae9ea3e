import { z } from '@hono/zod-openapi'

type Metadata = Parameters<z.ZodType['openapi']>[1]

/**
 * `schema.openapi(...)` for a schema that may have been built before @hono/zod-openapi extended zod: zod 4
 * copies prototype methods onto each schema when it is built, so one built earlier (in shared/*.ts, loaded
 * first by a unit test) has no `.openapi` of its own. The method is taken from the prototype instead.
 */
export function named<T extends z.ZodType>(schema: T, refIdOrMeta: string | Metadata, meta?: Metadata): T {
  return (z.ZodType.prototype as unknown as { openapi: (...a: unknown[]) => T }).openapi.apply(
    schema,
    meta === undefined ? [refIdOrMeta] : [refIdOrMeta, meta],
  )
}
