import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Feature } from '../../../shared/features'
import { retentionReport, retentionTable } from '../../../worker/src/renewals/retention-table'

const feature = (key: string): Feature => ({ key, name: key, kind: 'feature', core: false, rules: [] })

/**
 * 400 accounts in two activity strata. Busy accounts (activity 10) are retained 80% of the time, quiet
 * ones (activity 1) 40%. "busy" is used by 80% of busy and 20% of quiet accounts, independently of
 * retention within each stratum: a confounded feature. "real" raises retention within both strata.
 */
function confounded() {
  const outcomes: { accountId: string; kind: string }[] = []
  const uses: { accountId: string; featureKey: string; n: number }[] = []
  const activity = new Map<string, number>()
  const strata = [
    { name: 'busy', activity: 10, retained: 160, busyUsedRetained: 128, busyUsedChurned: 32, realUsedRetained: 95, realUsedChurned: 5 },
    { name: 'quiet', activity: 1, retained: 80, busyUsedRetained: 16, busyUsedChurned: 24, realUsedRetained: 55, realUsedChurned: 45 },
  ]
  for (const s of strata)
    for (let j = 0; j < 200; j++) {
      const id = `${s.name}-${j}`
      const retained = j < s.retained
      const rank = retained ? j : j - s.retained
      outcomes.push({ accountId: id, kind: retained ? 'renewed' : 'churned' })
      activity.set(id, s.activity)
      if (rank < (retained ? s.busyUsedRetained : s.busyUsedChurned)) uses.push({ accountId: id, featureKey: 'busy', n: 3 })
      if (rank < (retained ? s.realUsedRetained : s.realUsedChurned)) uses.push({ accountId: id, featureKey: 'real', n: 3 })
    }
  return { outcomes, uses, activity }
}

describe('retentionReport: honest labels', () => {
  const { outcomes, uses, activity } = confounded()
  const report = retentionReport([feature('busy'), feature('real')], outcomes, uses, 1, 5, { activity })
  const row = (k: string) => report.features.find((f) => f.key === k)!

  it('shows a feature used only by busy accounts as strongly associated raw but not after adjusting for activity', () => {
    expect(row('busy').phi).toBeGreaterThan(0.2) // Amplitude's band would call it "weak"; raw it is overwhelming
    expect(row('busy').p_value).toBeLessThan(1e-5)
    expect(row('busy').adjusted!.odds_ratio).toBe(1)
    expect(row('busy').adjusted!.p_value).toBeGreaterThan(0.5)
    expect(row('busy').label).toBe('not significant')
  })

  it('labels a feature that raises retention within every activity stratum predictive, with its q-value under the FDR', () => {
    expect(row('real').adjusted!.odds_ratio).toBeGreaterThan(2)
    expect(row('real').adjusted!.ci95![0]).toBeGreaterThan(1)
    expect(row('real').q_value).toBeLessThanOrEqual(0.1)
    expect(row('real').label).toBe('predictive')
  })

  it('says in the response how the label was decided, at the stated FDR', () => {
    expect(report.fdr).toBe(0.1)
    expect(report.label_rule).toMatch(/Benjamini–Hochberg at FDR 0\.1/)
    expect(report.label_rule).toMatch(/≥ 5 accounts/)
    expect(report.method).toMatch(/Mantel–Haenszel .* 5 quantile strata of overall activity \(as given\)/)
  })

  it('labels a feature that goes with churn "predicts churn"', () => {
    const flipped = outcomes.map((o) => ({ ...o, kind: o.kind === 'renewed' ? 'churned' : 'renewed' }))
    const r = retentionReport([feature('real')], flipped, uses, 1, 5, { activity })
    expect(r.features[0].label).toBe('predicts churn')
  })

  it('does not call a raw p of ~0.02 significant among 20 features once BH corrects for them', () => {
    // feature "lucky": 55/100 vs 40/100 retained within one stratum, p ≈ 0.03; 19 null features beside it
    const outs = Array.from({ length: 200 }, (_, i) => ({
      accountId: `a${i}`,
      kind: (i < 100 ? i < 55 : i - 100 < 40) ? 'renewed' : 'churned',
    }))
    const use = Array.from({ length: 100 }, (_, i) => ({ accountId: `a${i}`, featureKey: 'lucky', n: 1 }))
    // null features: used by every other account, independent of outcome within the used/unused halves
    const nulls = Array.from({ length: 19 }, (_, f) => `null${f}`)
    for (const k of nulls)
      for (let i = 0; i < 200; i++) if ((i + nulls.indexOf(k)) % 2 === 0) use.push({ accountId: `a${i}`, featureKey: k, n: 1 })
    const one = new Map(outs.map((o) => [o.accountId, 1]))
    const alone = retentionReport([feature('lucky')], outs, use, 1, 5, { activity: one })
    const many = retentionReport([feature('lucky'), ...nulls.map(feature)], outs, use, 1, 5, { activity: one })
    expect(alone.features[0].adjusted!.p_value).toBeLessThan(0.05)
    expect(alone.features[0].label).toBe('predictive')
    expect(many.features.find((f) => f.key === 'lucky')!.q_value).toBeGreaterThan(0.1)
    expect(many.features.find((f) => f.key === 'lucky')!.label).toBe('not significant')
  })

  it('keeps the minimum-cell rule: a cell under the minimum is insufficient_sample whatever the test says', () => {
    const r = retentionReport([feature('real')], outcomes, uses, 1, 60, { activity })
    expect(r.features[0].label).toBe('insufficient_sample')
    expect(r.features[0].n10).toBeLessThan(60)
    expect(r.features[0].q_value).toBeLessThan(0.001)
  })

  it('counts a feature as used only when enough of the account’s users used it, if asked', () => {
    const outs = [
      { accountId: 'a', kind: 'renewed' },
      { accountId: 'b', kind: 'churned' },
    ]
    const use = [
      { accountId: 'a', featureKey: 'f', n: 9, users: 1 },
      { accountId: 'b', featureKey: 'f', n: 2, users: 2 },
    ]
    const accountUsers = new Map([
      ['a', 10],
      ['b', 4],
    ])
    expect(retentionTable([feature('f')], outs, use, 1, 1, { minUserShare: 0.25, accountUsers })[0]).toMatchObject({
      n11: 0,
      n10: 1,
      n01: 1,
      n00: 0,
    })
    expect(retentionTable([feature('f')], outs, use, 1, 1)[0]).toMatchObject({ n11: 1, n10: 1 })
  })

  it('by default stratifies on uses of the other features, so a feature is never adjusted for itself', () => {
    const r = retentionReport([feature('busy'), feature('real')], outcomes, uses, 1, 5)
    expect(r.method).toMatch(/uses of all other features/)
    expect(r.features.every((f) => f.adjusted !== null)).toBe(true)
  })
})

describe('retentionReport (property)', () => {
  const arb = fc.array(
    fc.record({
      kind: fc.constantFrom('renewed', 'churned', 'expanded'),
      f: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      activity: fc.nat(5),
    }),
    { minLength: 1, maxLength: 120 },
  )
  it('labels predictive only at q ≤ FDR, q ≥ its own adjusted p, and keeps the raw 2x2 exactly as before', () => {
    fc.assert(
      fc.property(arb, fc.constantFrom(0.05, 0.1, 0.2), (accts, fdr) => {
        const outcomes = accts.map((a, i) => ({ accountId: `a${i}`, kind: a.kind }))
        const uses = accts.flatMap((a, i) => a.f.flatMap((u, k) => (u ? [{ accountId: `a${i}`, featureKey: `f${k}`, n: 1 }] : [])))
        const features = [0, 1, 2, 3].map((k) => feature(`f${k}`))
        const r = retentionReport(features, outcomes, uses, 1, 1, { fdr, activity: new Map(accts.map((a, i) => [`a${i}`, a.activity])) })
        for (const row of r.features) {
          expect(row.n11 + row.n10 + row.n01 + row.n00).toBe(accts.length)
          if (row.label === 'predictive' || row.label === 'highly predictive' || row.label === 'predicts churn')
            expect(row.q_value!).toBeLessThanOrEqual(fdr)
          if (row.q_value !== null) expect(row.q_value).toBeGreaterThanOrEqual(row.adjusted!.p_value - 1e-12)
        }
      }),
    )
  })
})
