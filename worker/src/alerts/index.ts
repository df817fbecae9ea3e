// The alerts slice as the rest of the worker sees it: other slices import only from here.
export { deliverAlerts, raiseAlerts, recordAlerts, type RaisedAlerts } from './raise'
export { alertKey, type Alert } from './triggers'
export { effectiveStatus } from './queue'
export { alertRoutes } from './routes'
export { listAlerts } from './store'
