import type { Feature } from '../../../shared/features'
import { featureRetention, type FeatureRetention } from './retention'

const RETAINED = new Set(['renewed', 'expanded', 'contracted'])

export interface RetentionRow extends FeatureRetention {
  key: string
  name: string
  core: boolean
}

/**
 * Which features predict renewal: for each feature, X = the account used it at least `minUses` times in
 * its first N days, Y = its latest outcome kept it (renewed, expanded or contracted) vs churned.
 */
export function retentionTable(
  features: Feature[],
  outcomes: { account_id: string; kind: string }[],
  uses: { account_id: string; feature_key: string; n: number }[],
  minUses: number,
  minCell: number,
): RetentionRow[] {
  const used = new Set(uses.filter((u) => u.n >= minUses).map((u) => `${u.account_id}\u0000${u.feature_key}`))
  return features
    .filter((f) => f.kind !== 'login')
    .map((f) => {
      const t = { n11: 0, n10: 0, n01: 0, n00: 0 }
      for (const o of outcomes) {
        const x = used.has(`${o.account_id}\u0000${f.key}`)
        const y = RETAINED.has(o.kind)
        if (x && y) t.n11++
        else if (x) t.n10++
        else if (y) t.n01++
        else t.n00++
      }
      return { key: f.key, name: f.name, core: f.core, ...featureRetention(t, minCell) }
    })
    .sort((a, b) => (b.phi ?? -2) - (a.phi ?? -2))
}
