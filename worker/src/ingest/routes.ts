import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { ingestResultSchema, segmentBatchSchema, singleEventComponent, singleEventSchemas } from '../../../shared/api/ingest'
import { MAX_BATCH_BYTES, type EventType } from '../../../shared/events'
import { auth, createRoute, createRouter, errorResponses, jsonResponse } from '../http/openapi'
import type { IngestMode } from './ingest'
import { ingest } from './queue'
import { payloadTooLarge } from './parse'

/** Segment HTTP Tracking API: /v1/batch and the single-event endpoints, long and short paths. */
export const ingestRoutes = createRouter()

// @segment/analytics-next sends the write key as `Authorization: Basic` (so a preflight) and X-Retry-Count on retries
ingestRoutes.use('*', cors({ origin: '*', allowHeaders: ['Content-Type', 'Authorization', 'X-Retry-Count'], maxAge: 86400 }))
ingestRoutes.use(
  '*',
  bodyLimit({
    maxSize: MAX_BATCH_BYTES,
    onError: () => {
      throw payloadTooLarge()
    },
  }),
)

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

// the body schemas are references, not zod: zod-openapi validates only zod schemas, and ingest must parse its own
// body (text/plain beacons, and per-event acceptance so one bad event never fails the batch)
ingestRoutes.openAPIRegistry.register('SegmentBatch', segmentBatchSchema)
for (const [type, schema] of Object.entries(singleEventSchemas))
  ingestRoutes.openAPIRegistry.register(singleEventComponent(type as EventType), schema)

/** JSON, sent as application/json or as text/plain (the widget's beacons, which need no CORS preflight). */
const documentedBody = (component: string, description: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema: ref(component) }, 'text/plain': { schema: ref(component) } },
})

const RESULT = jsonResponse(
  ingestResultSchema,
  'Events accepted (queued for the writer, `queued: true`, or written at once), duplicates skipped, and each refused event with its index and reasons',
)
const REFUSED =
  'The events are checked one by one: the good ones are stored beside the refused ones. 400 `no_valid_events` (details: the refused events) when none was valid.'

function ingestRoute(path: string, component: string, summary: string, security: (typeof auth)[keyof typeof auth]) {
  return createRoute({
    method: 'post',
    path,
    tags: ['ingest'],
    summary,
    description: REFUSED,
    security,
    request: { body: documentedBody(component, summary) },
    responses: { 200: RESULT, ...errorResponses() },
  })
}

/** One route: the raw body goes to the ingest pipeline, which authenticates and validates per event. */
function serve(path: string, component: string, summary: string, type?: EventType, mode: IngestMode = 'live') {
  ingestRoutes.openapi(ingestRoute(path, component, summary, mode === 'import' ? auth.admin : auth.write), async (c) => {
    return c.json(await ingest(c.env, await c.req.text(), c.req.header('authorization'), type, Date.now(), mode), 200)
  })
}

// the short paths are the ones Segment's browser library posts to (`${apiHost}/${type[0]}`, `/b` when batching)
serve('/batch', 'SegmentBatch', 'Send a batch of events (Segment `batch`)')
serve('/b', 'SegmentBatch', 'Send a batch of events (Segment short path of /v1/batch)')

const SINGLE: [EventType, string][] = [
  ['identify', '/i'],
  ['track', '/t'],
  ['page', '/p'],
  ['screen', '/s'],
  ['group', '/g'],
  ['alias', '/a'],
]
for (const [type, short] of SINGLE) {
  const component = singleEventComponent(type)
  serve(`/${type}`, component, `Send one \`${type}\` event`, type)
  serve(short, component, `Send one \`${type}\` event (Segment short path of /v1/${type})`, type)
}

/** Backfill over the 90-day raw window (the live endpoints take 30 days), with an admin key: same body as /v1/batch. */
serve('/import', 'SegmentBatch', 'Backfill a batch of events over the 90-day raw window (admin key)', undefined, 'import')
