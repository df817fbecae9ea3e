/**
 * Area under the ROC curve as the Mann–Whitney probability P(score of a positive > score of a negative),
 * ties counting one half, from mid-ranks in O(n log n).
 */
export interface AucResult {
  auc: number
  /** Hanley & McNeil (1982) standard error, from the AUC and the class sizes alone (no bootstrap). */
  se: number
  positives: number
  negatives: number
}

/** AUC of `scores` for `labels` (1/true = positive); null when either class is empty. */
export function auc(scores: readonly number[], labels: readonly (number | boolean)[]): number | null {
  return aucWithSe(scores, labels)?.auc ?? null
}

export function aucWithSe(scores: readonly number[], labels: readonly (number | boolean)[]): AucResult | null {
  if (scores.length !== labels.length) throw new RangeError('scores and labels differ in length')
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b])
  let positives = 0
  let rankSum = 0
  for (let i = 0; i < n;) {
    let j = i
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++
    const midRank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++)
      if (isPositive(labels[order[k]])) {
        positives++
        rankSum += midRank
      }
    i = j + 1
  }
  const negatives = n - positives
  if (!positives || !negatives) return null
  const a = (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
  const q1 = a / (2 - a)
  const q2 = (2 * a * a) / (1 + a)
  const variance = (a * (1 - a) + (positives - 1) * (q1 - a * a) + (negatives - 1) * (q2 - a * a)) / (positives * negatives)
  return { auc: a, se: Math.sqrt(Math.max(0, variance)), positives, negatives }
}

const isPositive = (l: number | boolean) => l === true || l === 1
