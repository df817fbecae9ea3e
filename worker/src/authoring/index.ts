// The authoring slice as the rest of the worker sees it: other slices import only from here.
export { authorOfKey } from './author'
export { builderRoutes } from './builder-routes'
export { featureHistoryRoutes, nudgeHistoryRoutes } from './history-routes'
export { authoringRoutes } from './routes'
export { versionStatements } from './versions-store'
