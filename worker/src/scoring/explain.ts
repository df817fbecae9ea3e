import { round1, round3 } from '../lib/round'

/** Combines measure scores into a weighted total and explains it exactly (docs/scoring.md §5). */
export interface MeasureScore {
  key: string
  /** 0-100, or null when the measure is missing (its weight is redistributed). */
  score: number | null
  weight: number
}

export interface MeasureContribution {
  key: string
  score: number
  weight: number
  share: number
  contribution: number
  points_lost: number
}

export interface Combined {
  score: number | null
  presentWeight: number
  totalWeight: number
  measures: MeasureContribution[]
}

/** Rounds parts to 0.1 so that they sum exactly to `total` (already rounded), largest remainder first. */
export function apportion(parts: number[], total: number): number[] {
  const tenths = parts.map((p) => p * 10)
  const floors = tenths.map(Math.floor)
  let missing = Math.round(total * 10) - floors.reduce((a, b) => a + b, 0)
  const order = tenths.map((t, i) => [t - floors[i], i] as const).sort((a, b) => b[0] - a[0])
  const out = [...floors]
  for (let k = 0; missing !== 0 && order.length; k = (k + 1) % order.length) {
    const i = order[k][1]
    out[i] += Math.sign(missing)
    missing -= Math.sign(missing)
  }
  return out.map((t) => t / 10)
}

export function combine(measures: MeasureScore[], minPresentWeight: number): Combined {
  const totalWeight = measures.reduce((a, m) => a + m.weight, 0)
  const present = measures.filter((m): m is MeasureScore & { score: number } => m.score !== null && m.weight > 0)
  const presentWeight = present.reduce((a, m) => a + m.weight, 0)
  if (!present.length || presentWeight < minPresentWeight * totalWeight) {
    return { score: null, presentWeight, totalWeight, measures: [] }
  }
  const exact = present.reduce((a, m) => a + m.weight * m.score, 0) / presentWeight
  const score = round1(exact)
  const shares = present.map((m) => m.weight / presentWeight)
  const contributions = apportion(
    present.map((m, i) => shares[i] * m.score),
    score,
  )
  const lost = apportion(
    present.map((m, i) => shares[i] * (100 - m.score)),
    round1(100 - score),
  )
  return {
    score,
    presentWeight,
    totalWeight,
    measures: present.map((m, i) => ({
      key: m.key,
      score: round1(m.score),
      weight: m.weight,
      share: round3(shares[i]),
      contribution: contributions[i],
      points_lost: lost[i],
    })),
  }
}
