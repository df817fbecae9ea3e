// The demo slice as the rest of the worker sees it: other slices import only from here.
export { demoRoutes } from './routes'
