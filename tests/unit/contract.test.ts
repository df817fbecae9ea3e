import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../worker/src/app'

/**
 * The contract validated as OpenAPI 3.1 against the specification's own JSON schema. In node: the validator compiles
 * schemas with `new Function`, which workerd refuses; the app is the same createApp() the worker serves.
 */
describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const res = await createApp().request('/api/v1/openapi.json')
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> }
    const validator = new Validator()
    const result = await validator.validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0)
  })

  it('is refused by the validator when broken, so the check above can fail', async () => {
    const doc = (await (await createApp().request('/api/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses?: unknown }>>
    }
    const [path, ops] = Object.entries(doc.paths)[0]
    const broken = { ...doc, paths: { ...doc.paths, [path]: { ...ops, get: { responses: 'none' } } } }
    expect((await new Validator().validate(broken)).valid).toBe(false)
  })
})
