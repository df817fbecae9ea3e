import { ADOPTION } from '../../../shared/constants'
import type { DecisionAccount, DecisionMetrics, DecisionUser } from './decide'

/** What the decision knows of one user. */
export interface DecisionContext {
  user: DecisionUser
  account: DecisionAccount | null
  metrics: DecisionMetrics
}

/** One feature a user ever used, and on how many distinct days within the adoption window (`ADOPTION.windowDays`). */
export interface FeatureUse {
  feature: string
  daysInWindow: number
}

/**
 * What the decision knows of a user's feature use: every feature ever used, those adopted (the product's one
 * adoption rule, `ADOPTION`), and the user's core breadth (core features used in the window / core features).
 */
export function decisionMetrics(use: FeatureUse[], coreFeatures: string[]): DecisionMetrics {
  const recent = new Set(use.filter((f) => f.daysInWindow > 0).map((f) => f.feature))
  return {
    usedFeatures: new Set(use.map((f) => f.feature)),
    adoptedFeatures: new Set(use.filter((f) => f.daysInWindow >= ADOPTION.minDays).map((f) => f.feature)),
    breadth: coreFeatures.length ? coreFeatures.filter((k) => recent.has(k)).length / coreFeatures.length : null,
  }
}
