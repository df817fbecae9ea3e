// The ingest slice as the rest of the worker sees it: other slices import only from here.
export type { EventRow } from './normalize'
export { purgeExpiredEvents } from './purge-store'
export { RAW_RETENTION_DAYS, rawWindowStart } from './raw-window'
export { rollupStatements } from './store'
export { ingestRoutes } from './routes'
export { ingestStatusRoutes } from './status-routes'
export { deadLetterRoutes } from './dead-letters-routes'
export { consumeDeadLetters, consumeIngest } from './queue'
/** Queue names as wrangler.toml binds them (a deployment may suffix them, e.g. `uptake-ingest-dlq-staging`). */
export const INGEST_DLQ = 'uptake-ingest-dlq'
export { readArchive, readArchivePage, type ArchivePage } from './archive-store'
export { archivePrefix, archiveTerms, gunzip, gzip, parseArchive, whoTerm, type ArchivedEvent } from './archive'
