// The features slice as the rest of the worker sees it: other slices import only from here.
export { featureForClick } from './click-match'
export { configRoutes } from './config-routes'
export { continueRebuild, rebuildPairsStatements } from './retag'
export { featureRoutes } from './routes'
export { parseSelector } from './selector-path'
export { cachedFeatureIndex, listFeatures } from './store'
