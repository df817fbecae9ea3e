import { choleskySolve } from './linalg'

/**
 * L2-regularised logistic regression by Newton–Raphson (IRLS), for a handful of features. Features are
 * standardised internally, the penalty λ/2·‖β‖² applies to the standardised slopes (never the intercept),
 * and coefficients are reported on the original scale. Deterministic: no random start.
 */
export interface LogisticModel {
  intercept: number
  /** Slopes per unit of each original feature; 0 for a constant feature. */
  coefficients: number[]
  /** Slopes per standard deviation of each feature (what the penalty shrinks). */
  standardized: number[]
  l2: number
  iterations: number
  converged: boolean
}

export interface LogisticOptions {
  l2?: number
  maxIter?: number
  tol?: number
}

const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)))
/** ln(1 + e^t) without overflow. */
const softplus = (t: number) => (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)))

export function fitLogistic(x: readonly (readonly number[])[], y: readonly number[], options: LogisticOptions = {}): LogisticModel {
  const l2 = options.l2 ?? 1
  const maxIter = options.maxIter ?? 50
  const tol = options.tol ?? 1e-9
  const n = x.length
  if (n !== y.length || n === 0) throw new RangeError('x and y must be non-empty and of equal length')
  const p = x[0].length
  const mean = new Array<number>(p).fill(0)
  const sd = new Array<number>(p).fill(0)
  for (const row of x) for (let j = 0; j < p; j++) mean[j] += row[j] / n
  for (const row of x) for (let j = 0; j < p; j++) sd[j] += (row[j] - mean[j]) ** 2 / n
  for (let j = 0; j < p; j++) sd[j] = Math.sqrt(sd[j])
  // constant features carry no information: they stay at 0 and out of the system
  const active = sd.map((s, j) => (s > 1e-12 ? j : -1)).filter((j) => j >= 0)
  const q = active.length + 1
  const z = x.map((row) => [1, ...active.map((j) => (row[j] - mean[j]) / sd[j])])
  const beta = new Array<number>(q).fill(0)
  const ybar = y.reduce((a, b) => a + b, 0) / n
  beta[0] = ybar > 0 && ybar < 1 ? Math.log(ybar / (1 - ybar)) : 0
  const objective = (b: number[]) => {
    let f = 0
    for (let i = 0; i < n; i++) {
      let eta = 0
      for (let k = 0; k < q; k++) eta += z[i][k] * b[k]
      f += softplus(eta) - y[i] * eta
    }
    for (let k = 1; k < q; k++) f += (l2 / 2) * b[k] * b[k]
    return f
  }
  let f = objective(beta)
  let iterations = 0
  let converged = false
  while (iterations < maxIter) {
    iterations++
    const g = new Array<number>(q).fill(0)
    const h = Array.from({ length: q }, () => new Array<number>(q).fill(0))
    for (let i = 0; i < n; i++) {
      let eta = 0
      for (let k = 0; k < q; k++) eta += z[i][k] * beta[k]
      const mu = sigmoid(eta)
      const w = Math.max(mu * (1 - mu), 1e-12)
      for (let k = 0; k < q; k++) {
        g[k] += z[i][k] * (mu - y[i])
        for (let m = 0; m <= k; m++) h[k][m] += w * z[i][k] * z[i][m]
      }
    }
    for (let k = 1; k < q; k++) {
      g[k] += l2 * beta[k]
      h[k][k] += l2
    }
    for (let k = 0; k < q; k++) for (let m = k + 1; m < q; m++) h[k][m] = h[m][k]
    // a tiny ridge keeps the system solvable when a class is (nearly) separated and λ = 0
    const step = choleskySolve(h, g) ?? choleskySolve(h.map((r, k) => r.map((v, m) => (k === m ? v + 1e-6 : v))), g)
    if (!step) break
    // step halving: Newton may overshoot far from the optimum; the objective must not increase
    let t = 1
    let next = beta.map((b, k) => b - step[k])
    let fNext = objective(next)
    while (fNext > f + 1e-12 && t > 1e-6) {
      t /= 2
      next = beta.map((b, k) => b - t * step[k])
      fNext = objective(next)
    }
    const moved = Math.max(...step.map((s) => Math.abs(t * s)))
    const before = f
    if (fNext <= f) {
      beta.splice(0, q, ...next)
      f = fNext
    }
    if (moved < tol || before - f < 1e-13 * (1 + Math.abs(f))) {
      converged = true
      break
    }
  }
  const standardized = new Array<number>(p).fill(0)
  active.forEach((j, k) => (standardized[j] = beta[k + 1]))
  const coefficients = standardized.map((b, j) => (sd[j] > 1e-12 ? b / sd[j] : 0))
  const intercept = beta[0] - coefficients.reduce((a, c, j) => a + c * mean[j], 0)
  return { intercept, coefficients, standardized, l2, iterations, converged }
}

/** Fitted probability of the positive class for one row. */
export function predictLogistic(model: Pick<LogisticModel, 'intercept' | 'coefficients'>, row: readonly number[]): number {
  let eta = model.intercept
  for (let j = 0; j < row.length; j++) eta += model.coefficients[j] * row[j]
  return sigmoid(eta)
}

/** Mean negative log-likelihood, probabilities clipped to [1e-12, 1 − 1e-12]. */
export function logLoss(predicted: readonly number[], observed: readonly number[]): number {
  let s = 0
  for (let i = 0; i < predicted.length; i++) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, predicted[i]))
    s -= observed[i] ? Math.log(p) : Math.log(1 - p)
  }
  return s / Math.max(1, predicted.length)
}
