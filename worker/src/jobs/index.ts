// The jobs slice as the rest of the worker sees it: other slices import only from here.
export { dailyRun, scoringRun } from './daily-run'
export { jobRoutes } from './routes'
export { consumeScoring, SCORING_QUEUE_NAME } from './fanout'
