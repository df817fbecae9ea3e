// The timeline slice as the rest of the worker sees it: other slices import only from here.
export { timelineRoutes } from './routes'
