import { round3 as r3 } from '../lib/round'

/** Retained-vs-churned comparison for one feature (docs/scoring.md §16). */
export interface Contingency {
  /** used & retained, used & churned, unused & retained, unused & churned */
  n11: number
  n10: number
  n01: number
  n00: number
}

export interface FeatureRetention extends Contingency {
  phi: number | null
  phi_ci95: [number, number] | null
  ppv: number | null
  npv: number | null
  lift: number | null
  coverage: number
  label: 'highly predictive' | 'predictive' | 'weak' | 'none' | 'insufficient_sample'
}

export function phi({ n11, n10, n01, n00 }: Contingency): number | null {
  const d = Math.sqrt((n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00))
  return d === 0 ? null : (n11 * n00 - n10 * n01) / d
}

/** 95% interval of phi by the Fisher z-transform, clamped to [-1, 1]. */
export function phiInterval(p: number, n: number): [number, number] | null {
  if (n <= 3 || Math.abs(p) >= 1) return null
  const z = Math.atanh(p)
  const se = 1 / Math.sqrt(n - 3)
  return [r3(Math.tanh(z - 1.96 * se)), r3(Math.tanh(z + 1.96 * se))]
}

export function featureRetention(t: Contingency, minCell: number): FeatureRetention {
  const n = t.n11 + t.n10 + t.n01 + t.n00
  const p = phi(t)
  const enough = Math.min(t.n11, t.n10, t.n01, t.n00) >= minCell
  const retained = (t.n11 + t.n01) / (n || 1)
  const ppv = t.n11 + t.n10 ? t.n11 / (t.n11 + t.n10) : null
  const label =
    !enough || p === null ? 'insufficient_sample' : p >= 0.4 ? 'highly predictive' : p >= 0.3 ? 'predictive' : p >= 0.2 ? 'weak' : 'none'
  return {
    ...t,
    phi: p === null ? null : r3(p),
    phi_ci95: p === null ? null : phiInterval(p, n),
    ppv: ppv === null ? null : r3(ppv),
    npv: t.n01 + t.n00 ? r3(t.n00 / (t.n01 + t.n00)) : null,
    lift: ppv === null || retained === 0 ? null : r3(ppv / retained),
    coverage: r3((t.n11 + t.n10) / (n || 1)),
    label,
  }
}
