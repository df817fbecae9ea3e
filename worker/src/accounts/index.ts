// The accounts slice as the rest of the worker sees it: other slices import only from here.
export { accountAdminRoutes } from './admin-routes'
export { accountErasureRoutes, userErasureRoutes } from './erasure-routes'
export { accountRoutes } from './routes'
export { patchAccountAttributes } from './store'
