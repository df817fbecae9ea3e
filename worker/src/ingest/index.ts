// The ingest slice as the rest of the worker sees it: other slices import only from here.
export type { EventRow } from './normalize'
export { purgeExpiredEvents } from './purge-store'
export { RAW_RETENTION_DAYS, rawWindowStart } from './raw-window'
export { rollupStatements } from './store'
export { ingestRoutes } from './routes'
