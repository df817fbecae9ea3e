// The features slice as the rest of the worker sees it: other slices import only from here.
export { trackTagger } from './classify'
export { configRoutes } from './config-routes'
export { continueRebuild } from './rebuild'
export { rebuildPairsStatements } from './retag-store'
export { featureRoutes } from './routes'
export { parseSelector } from './selector-path'
export { cachedFeatureIndex, listFeatures } from './store'
