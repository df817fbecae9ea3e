import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../worker/src/app'
import { hashKey } from '../../worker/src/projects/keys'
import { isRetryableDbError } from '../../worker/src/http/errors'

/**
 * A D1 whose key lookups work and whose every other statement fails with `message`: the database is
 * reachable for auth but busy for the work itself, as during a long write lock.
 */
function failingDb(keys: Record<string, 'write' | 'read' | 'admin'>, message: string): D1Database {
  const fail = () => Promise.reject(new Error(message))
  const statement = (sql: string, args: unknown[] = []): D1PreparedStatement =>
    ({
      bind: (...next: unknown[]) => statement(sql, next),
      first: async () => {
        if (!sql.includes('FROM api_keys')) return fail()
        for (const [key, kind] of Object.entries(keys)) if ((await hashKey(key)) === args[0]) return { project_id: 'p_busy', kind }
        return null
      },
      all: fail,
      run: fail,
      raw: fail,
    }) as unknown as D1PreparedStatement
  return {
    prepare: (sql: string) => statement(sql),
    batch: fail,
    exec: fail,
    withSession: () => {
      throw new Error(message)
    },
    dump: fail,
  } as unknown as D1Database
}

const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext

describe('a busy or locked database', () => {
  const messages = [
    'D1_ERROR: database is locked: SQLITE_BUSY',
    'D1_ERROR: D1 DB is overloaded. Requests queued for too long.',
    'D1_ERROR: Network connection lost.',
    'D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.',
    // what the worker sees of a local database locked by another process (workerd logs the SQLITE_BUSY)
    'D1_ERROR: Failed to parse body as JSON, got: Error: internal error; reference = faipvdldgq217v2aqrbnefhv',
  ]

  for (const [i, message] of messages.entries()) {
    it(`answers ingest and reads with a retryable 503 for "${message}"`, async () => {
      const app = createApp()
      const keys = { [`wk_busy_${i}`]: 'write', [`rk_busy_${i}`]: 'read' } as const
      const fakeEnv = { ...env, DB: failingDb(keys, message) }
      const batch = JSON.stringify({
        writeKey: `wk_busy_${i}`,
        batch: [{ type: 'track', userId: 'u1', event: 'Invoice Created', messageId: `m${i}` }],
      })
      const ingest = await app.request(
        '/v1/batch',
        { method: 'POST', body: batch, headers: { 'content-type': 'text/plain' } },
        fakeEnv,
        ctx,
      )
      const read = await app.request('/api/v1/accounts', { headers: { authorization: `Bearer rk_busy_${i}` } }, fakeEnv, ctx)
      const health = await app.request('/api/v1/health/accounts/acme', { headers: { authorization: `Bearer rk_busy_${i}` } }, fakeEnv, ctx)
      for (const res of [ingest, read, health]) {
        expect(res.status).toBe(503)
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
        expect((await res.json<{ error: { code: string } }>()).error.code).toBe('unavailable')
      }
    })
  }

  it('still answers 500 for an error that a retry cannot fix', async () => {
    const app = createApp()
    const res = await app.request(
      '/api/v1/accounts',
      { headers: { authorization: 'Bearer rk_broken' } },
      { ...env, DB: failingDb({ rk_broken: 'read' }, 'D1_ERROR: no such column: x') },
      ctx,
    )
    expect(res.status).toBe(500)
    expect(res.headers.get('retry-after')).toBeNull()
  })

  it('recognises a retryable error in the cause chain', () => {
    expect(isRetryableDbError(new Error('D1_ERROR', { cause: new Error('SQLITE_BUSY') }))).toBe(true)
    expect(isRetryableDbError(new Error('SQLITE_CONSTRAINT: UNIQUE constraint failed'))).toBe(false)
  })
})
