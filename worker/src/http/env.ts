import type { ApiKey } from '../projects'

export interface Bindings {
  DB: D1Database
  ASSETS: Fetcher
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
