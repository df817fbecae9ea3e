// The nudges slice as the rest of the worker sees it: other slices import only from here.
export { nudgeDecisionRoutes } from './decision-routes'
export { applyNudgeInteractions } from './interactions-store'
export { nudgeInteractions } from './interactions'
export { nudgeRoutes } from './routes'
export { nudgeResource, readDefinition, toNudge, unreachable, type Nudge } from './definition'
export { presentNudge } from './present'
export { accountNudgeActivity } from './timeline-store'
export { findNudge, hasActiveNudges, listNudges, upsertNudge } from './store'
