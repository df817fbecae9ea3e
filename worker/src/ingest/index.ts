// The ingest slice as the rest of the worker sees it: other slices import only from here.
export { classifyTrack } from './normalize'
export type { EventRow, FeatureIndex } from './normalize'
export { purgeExpiredEvents } from './purge'
export { RAW_RETENTION_DAYS } from './raw-window'
export { rollupStatements } from './rollups'
export { ingestRoutes } from './routes'
