import { fitLogistic, logLoss, predictLogistic, type LogisticModel } from './logistic'
import { mulberry32, shuffled } from './prng'

/**
 * Stratified k-fold assignment: positives and negatives are shuffled separately with a seeded PRNG and
 * dealt round-robin, so every fold has (almost) the same class balance and the split is reproducible.
 */
export function stratifiedFolds(labels: readonly number[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2 || k > labels.length) throw new RangeError(`k must be an integer in [2, ${labels.length}]`)
  const rng = mulberry32(seed)
  const fold = new Array<number>(labels.length)
  let next = 0
  for (const cls of [1, 0]) {
    const members = labels.map((l, i) => ((l ? 1 : 0) === cls ? i : -1)).filter((i) => i >= 0)
    for (const i of shuffled(members, rng)) fold[i] = next++ % k
  }
  return fold
}

export interface CrossValidated {
  /** Out-of-fold prediction for every row, in the rows' order. */
  predictions: number[]
  fold: number[]
}

/** k-fold cross-validation: each row is predicted by a model fitted without its fold. */
export function kFoldCrossValidate<R extends { y: number }, M>(
  rows: readonly R[],
  k: number,
  seed: number,
  fit: (train: R[]) => M,
  predict: (model: M, row: R) => number,
): CrossValidated {
  const fold = stratifiedFolds(
    rows.map((r) => r.y),
    k,
    seed,
  )
  const predictions = new Array<number>(rows.length)
  for (let f = 0; f < k; f++) {
    const model = fit(rows.filter((_, i) => fold[i] !== f))
    rows.forEach((r, i) => {
      if (fold[i] === f) predictions[i] = predict(model, r)
    })
  }
  return { predictions, fold }
}

export interface LabelledRow {
  x: number[]
  y: number
}

/** Default λ grid (on standardised features): from barely to strongly regularised. */
export const L2_GRID = [0.01, 0.1, 1, 10, 100] as const

export interface L2Choice {
  l2: number
  cv: { l2: number; log_loss: number }[]
}

/** Picks λ by cross-validated log-loss; ties go to the larger λ (the simpler model). */
export function chooseL2(
  rows: readonly LabelledRow[],
  options: { grid?: readonly number[]; k?: number; seed?: number; maxIter?: number } = {},
): L2Choice {
  const grid = options.grid ?? L2_GRID
  const k = options.k ?? 5
  const seed = options.seed ?? 1
  const cv = grid.map((l2) => {
    const { predictions } = kFoldCrossValidate(
      rows,
      k,
      seed,
      (train) => fitRows(train, l2, options.maxIter),
      (m, r) => predictLogistic(m, r.x),
    )
    return {
      l2,
      log_loss: logLoss(
        predictions,
        rows.map((r) => r.y),
      ),
    }
  })
  const best = cv.reduce((a, b) => (b.log_loss < a.log_loss - 1e-12 || (Math.abs(b.log_loss - a.log_loss) <= 1e-12 && b.l2 > a.l2) ? b : a))
  return { l2: best.l2, cv }
}

export const fitRows = (rows: readonly LabelledRow[], l2: number, maxIter?: number): LogisticModel =>
  fitLogistic(
    rows.map((r) => r.x),
    rows.map((r) => r.y),
    { l2, maxIter },
  )
