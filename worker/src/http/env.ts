import type { ApiKey } from '../projects'
import type { AccountShard } from '../shards'

export interface Bindings {
  DB: D1Database
  ASSETS: Fetcher
  /** Account-shard Durable Objects (worker/src/shards): not read by any route yet; the state still lives in DB. */
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
