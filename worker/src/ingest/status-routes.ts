import { ingestStatusSchema } from '../../../shared/api/ingest'
import { auth, createRoute, createRouter, errorResponses, jsonResponse, querySchema } from '../http/openapi'
import { archivePrefix } from './archive'
import { writesInline } from './queue'
import { DEDUPE_DAYS } from './raw-window'
import { projectIngestCounts } from './status-store'
import { projectState } from '../shards'

/** Admin/CS API: the ingest writer's state for the key's project. Mounted at /api/v1/ingest. */
export const ingestStatusRoutes = createRouter()

ingestStatusRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/status',
    tags: ['ingest'],
    summary: 'What the ingest writer has stored',
    description:
      'Distinct events stored within the dedupe window (counted up to 10,000,000, over all state shards), dead letters waiting, and the archive prefix. Poll it to see the queue drain.',
    security: auth.read,
    request: { query: querySchema({}) },
    responses: { 200: jsonResponse(ingestStatusSchema, 'Ingest state'), ...errorResponses() },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const counts = await projectIngestCounts(await projectState(c.env, projectId))
    return c.json(
      {
        mode: writesInline(c.env) ? ('inline' as const) : ('queue' as const),
        stored_events: counts.storedEvents,
        stored_events_capped: counts.storedCapped,
        dedupe_days: DEDUPE_DAYS,
        dead_letters: counts.deadLetters,
        archive_prefix: archivePrefix(projectId),
      },
      200,
    )
  },
)
