import type { ApiKey } from './auth/keys'

export interface Bindings {
  DB: D1Database
  ASSETS: Fetcher
}

export interface Variables {
  apiKey: ApiKey
}

/** Every Hono app and router in the worker is typed with this. */
export interface AppEnv {
  Bindings: Bindings
  Variables: Variables
}
