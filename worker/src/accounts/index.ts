// The accounts slice as the rest of the worker sees it: other slices import only from here.
export type { AccountCard } from './cards'
export { accountCards } from './cards-store'
export { accountRoutes, userRoutes } from './routes'
export { patchAccountAttributes } from './store'
