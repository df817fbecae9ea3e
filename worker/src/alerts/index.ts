// The alerts slice as the rest of the worker sees it: other slices import only from here.
export { raiseAlerts } from './raise'
export { alertRoutes } from './routes'
