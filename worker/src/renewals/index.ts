// The renewals slice as the rest of the worker sees it: other slices import only from here.
export { outcomeRoutes, retentionRoutes } from './routes'
export { renewalRoutes } from './upcoming-routes'
export { LATEST_OUTCOME_ID, latestOutcomes, listOutcomes } from './store'
