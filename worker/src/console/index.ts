// The console slice as the rest of the worker sees it: other slices import only from here.
export { consoleRoutes, CONSOLE_CSP } from './routes'
