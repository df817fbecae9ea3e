import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { MAX_BATCH_BYTES, type EventType } from '../../../shared/events'
import type { AppEnv } from '../http/env'
import { ingest } from './ingest'
import { payloadTooLarge } from './parse'

/** Segment HTTP Tracking API: /v1/batch and the single-event endpoints, long and short paths. */
export const ingestRoutes = new Hono<AppEnv>()

// @segment/analytics-next sends the write key as `Authorization: Basic` (so a preflight) and X-Retry-Count on retries
ingestRoutes.use('*', cors({ origin: '*', allowHeaders: ['Content-Type', 'Authorization', 'X-Retry-Count'], maxAge: 86400 }))
ingestRoutes.use('*', bodyLimit({ maxSize: MAX_BATCH_BYTES, onError: () => { throw payloadTooLarge() } }))

// the short paths are the ones Segment's browser library posts to (`${apiHost}/${type[0]}`, `/b` when batching)
for (const path of ['/batch', '/b']) {
  ingestRoutes.post(path, async (c) => c.json(await ingest(c.env.DB, await c.req.text(), c.req.header('authorization'))))
}

const SINGLE: [EventType, string][] = [['identify', '/i'], ['track', '/t'], ['page', '/p'], ['screen', '/s'], ['group', '/g'], ['alias', '/a']]
for (const [type, short] of SINGLE) {
  for (const path of [`/${type}`, short]) {
    ingestRoutes.post(path, async (c) => c.json(await ingest(c.env.DB, await c.req.text(), c.req.header('authorization'), type)))
  }
}

/** Backfill over the 90-day raw window (the live endpoints take 30 days), with an admin key: same body as /v1/batch. */
ingestRoutes.post('/import', async (c) =>
  c.json(await ingest(c.env.DB, await c.req.text(), c.req.header('authorization'), undefined, Date.now(), 'import')),
)
