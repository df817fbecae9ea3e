import type { AdjustedAssociation, RetentionRow } from '../../../shared/api/renewals'
import { RETAINED_OUTCOMES } from '../../../shared/constants'
import type { Feature } from '../../../shared/features'
import { round3 as r3 } from '../lib/round'
import { benjaminiHochberg, fisherExact, mantelHaenszel, quantileStrata, type Table2x2 } from '../lib/stats'
import { featureRetention } from './retention'

const RETAINED = new Set<string>(RETAINED_OUTCOMES)

/** Default false discovery rate across the features of one table. */
export const DEFAULT_FDR = 0.1
/** Activity strata for the adjusted association: quintiles. */
export const DEFAULT_STRATA = 5

export type { AdjustedAssociation, RetentionRow }

export interface RetentionOptions {
  fdr?: number
  strata?: number
  /** Overall activity per account (e.g. active user-days in the window); default: uses of every other feature. */
  activity?: ReadonlyMap<string, number>
  /** With `users` on the use rows and `accountUsers`: X also needs this share of the account's users to have used it. */
  minUserShare?: number
  accountUsers?: ReadonlyMap<string, number>
}

export interface RetentionReport {
  method: string
  label_rule: string
  fdr: number
  features: RetentionRow[]
}

/** How often an account used a feature in its first days (and by how many of its users, when known). */
export interface FeatureUseCount {
  accountId: string
  featureKey: string
  n: number
  users?: number
}

/** An account's latest renewal outcome. */
export interface AccountOutcome {
  accountId: string
  kind: string
}

type Use = FeatureUseCount
type Outcome = AccountOutcome
const sig = (x: number) => Number(x.toPrecision(3))

/**
 * Which features predict renewal: for each feature, X = the account used it at least `minUses` times in
 * its first N days (and, when asked, by at least a share of its users), Y = its latest outcome kept it
 * (renewed, expanded or contracted) vs churned. Beside the raw phi: the association within strata of
 * overall activity (so a feature only busy accounts touch does not look causal), and labels decided by
 * that adjusted test at a false discovery rate controlled across all features.
 */
export function retentionReport(
  features: Feature[],
  outcomes: Outcome[],
  uses: Use[],
  minUses: number,
  minCell: number,
  options: RetentionOptions = {},
): RetentionReport {
  const fdr = options.fdr ?? DEFAULT_FDR
  const k = options.strata ?? DEFAULT_STRATA
  const share = options.minUserShare
  const candidates = features.filter((f) => f.kind !== 'login')
  const byKey = new Map<string, Use>()
  const total = new Map<string, number>()
  for (const u of uses) {
    byKey.set(`${u.accountId}\u0000${u.featureKey}`, u)
    total.set(u.accountId, (total.get(u.accountId) ?? 0) + u.n)
  }
  const usedBy = (account: string, feature: string) => {
    const u = byKey.get(`${account}\u0000${feature}`)
    if (!u || u.n < minUses) return false
    if (share === undefined || !options.accountUsers) return true
    const members = options.accountUsers.get(account) ?? 0
    return members > 0 && (u.users ?? 0) / members >= share
  }
  const rows: RetentionRow[] = candidates.map((f) => {
    const xs = outcomes.map((o) => usedBy(o.accountId, f.key))
    const ys = outcomes.map((o) => RETAINED.has(o.kind))
    // default activity leaves the feature itself out, so X is not compared within strata built from X
    const activity = outcomes.map(
      (o) => options.activity?.get(o.accountId) ?? (total.get(o.accountId) ?? 0) - (byKey.get(`${o.accountId}\u0000${f.key}`)?.n ?? 0),
    )
    const stratum = quantileStrata(activity, k)
    const t = tabulate(xs, ys, () => 0)[0]
    const strata = tabulate(xs, ys, (i) => stratum[i])
    const mh = mantelHaenszel(strata)
    const base = featureRetention(t, minCell)
    return {
      ...base,
      key: f.key,
      name: f.name,
      core: f.core,
      p_value: base.phi === null ? null : sig(fisherExact(t)),
      adjusted: mh
        ? {
            odds_ratio: mh.odds_ratio === null ? null : r3(mh.odds_ratio),
            ci95: mh.ci95 ? ([r3(mh.ci95[0]), r3(mh.ci95[1])] as [number, number]) : null,
            p_value: mh.p_value,
            strata: mh.strata_used,
          }
        : null,
      q_value: null as number | null,
      label: base.label === 'insufficient_sample' ? ('insufficient_sample' as const) : ('not significant' as const),
    }
  })
  const tested = rows.filter((r) => r.adjusted !== null && r.phi !== null)
  const bh = benjaminiHochberg(
    tested.map((r) => r.adjusted!.p_value),
    fdr,
  )
  tested.forEach((r, i) => {
    r.q_value = sig(bh.adjusted[i])
    r.adjusted!.p_value = sig(r.adjusted!.p_value)
    if (r.label === 'insufficient_sample' || !bh.rejected[i] || r.adjusted!.odds_ratio === 1) return
    const positive = r.adjusted!.odds_ratio === null ? (r.phi ?? 0) > 0 : r.adjusted!.odds_ratio > 1
    r.label = !positive ? 'predicts churn' : (r.phi ?? 0) >= 0.4 ? 'highly predictive' : 'predictive'
  })
  return {
    method:
      `raw: phi with a Fisher-z 95% CI and Fisher's exact p; adjusted: Mantel–Haenszel odds ratio of retention within ${k} quantile strata of overall activity ` +
      `(${options.activity ? 'as given' : 'uses of all other features in the window'}), Robins–Breslow–Greenland 95% CI, continuity-corrected CMH p`,
    label_rule:
      `every 2x2 cell needs ≥ ${minCell} accounts, else insufficient_sample; otherwise the activity-adjusted CMH p-values of the ${tested.length} features tested are ` +
      `corrected by Benjamini–Hochberg at FDR ${fdr} (q_value); q ≤ ${fdr} with adjusted OR > 1 is "predictive" ("highly predictive" when the raw phi ≥ 0.4), ` +
      `with OR < 1 "predicts churn"; the rest "not significant"`,
    fdr,
    features: rows.sort((a, b) => (b.phi ?? -2) - (a.phi ?? -2)),
  }
}

/** The retained-vs-churned rows alone, as the route has always served them. */
export function retentionTable(
  features: Feature[],
  outcomes: Outcome[],
  uses: Use[],
  minUses: number,
  minCell: number,
  options: RetentionOptions = {},
): RetentionRow[] {
  return retentionReport(features, outcomes, uses, minUses, minCell, options).features
}

function tabulate(xs: boolean[], ys: boolean[], group: (i: number) => number): Table2x2[] {
  const tables = new Map<number, Table2x2>()
  xs.forEach((x, i) => {
    const g = group(i)
    const t = tables.get(g) ?? { n11: 0, n10: 0, n01: 0, n00: 0 }
    if (x && ys[i]) t.n11++
    else if (x) t.n10++
    else if (ys[i]) t.n01++
    else t.n00++
    tables.set(g, t)
  })
  return tables.size ? [...tables.values()] : [{ n11: 0, n10: 0, n01: 0, n00: 0 }]
}
