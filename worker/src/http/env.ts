import type { ApiKey } from '../projects'
import type { AccountShard } from '../shards'

export interface Bindings {
  DB: D1Database
  ASSETS: Fetcher
  /** Raw-event archive (R2): `raw/<project>/<day>/<batch>.ndjson.gz`, also the warehouse export. */
  RAW_EVENTS: R2Bucket
  /** Ingest queue (Cloudflare Queues): the Segment endpoints enqueue, the consumer writes. Unbound: ingest writes inline. */
  INGEST_QUEUE?: Queue
  /** Scoring fan-out queue: a large project's daily run goes one message per shard and pass. Unbound: scored in line. */
  SCORING_QUEUE?: Queue
  /** `"true"` writes ingest inline even with a queue bound (the worker tests' default; never needed in production). */
  INGEST_DIRECT?: string
  /** Account-shard Durable Objects (worker/src/shards): the user-grain state of projects created with state_shards > 1. */
  ACCOUNT_SHARDS?: DurableObjectNamespace<AccountShard>
  /** Deployment operator secret for `POST /api/v1/projects` (`wrangler secret put UPTAKE_OPERATOR_KEY`); unset disables it. */
  UPTAKE_OPERATOR_KEY?: string
}

export interface Variables {
  apiKey: ApiKey
}

/** Every Hono app and router in the worker is typed with this. */
export interface AppEnv {
  Bindings: Bindings
  Variables: Variables
}
