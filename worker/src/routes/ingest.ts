import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { MAX_BATCH_BYTES } from '../../../shared/events'
import type { AppEnv } from '../env'
import { ingest } from '../ingest/ingest'
import { payloadTooLarge } from '../ingest/parse'

/** Segment HTTP Tracking API: /v1/batch and the single-event endpoints. */
export const ingestRoutes = new Hono<AppEnv>()

ingestRoutes.use('*', cors({ origin: '*', allowHeaders: ['Content-Type', 'Authorization'], maxAge: 86400 }))
ingestRoutes.use('*', bodyLimit({ maxSize: MAX_BATCH_BYTES, onError: () => { throw payloadTooLarge() } }))

ingestRoutes.post('/batch', async (c) => {
  const result = await ingest(c.env.DB, await c.req.text(), c.req.header('authorization'))
  return c.json(result)
})

for (const type of ['identify', 'track', 'page', 'screen', 'group'] as const) {
  ingestRoutes.post(`/${type}`, async (c) => {
    const result = await ingest(c.env.DB, await c.req.text(), c.req.header('authorization'), type)
    return c.json(result)
  })
}
