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
  // row-major design matrix with a leading 1 for the intercept; flat typed arrays keep the hot loops fast
  const z = new Float64Array(n * q)
  for (let i = 0; i < n; i++) {
    z[i * q] = 1
    active.forEach((j, k) => (z[i * q + k + 1] = (x[i][j] - mean[j]) / sd[j]))
  }
  const beta = new Float64Array(q)
  const ybar = y.reduce((a, b) => a + b, 0) / n
  beta[0] = ybar > 0 && ybar < 1 ? Math.log(ybar / (1 - ybar)) : 0
  // one pass gives the penalised objective, its gradient and Hessian at b (one exp and one log1p per row)
  const evaluate = (b: Float64Array) => {
    let f = 0
    const g = new Float64Array(q)
    const h = new Float64Array(q * q)
    for (let i = 0; i < n; i++) {
      const o = i * q
      let eta = 0
      for (let k = 0; k < q; k++) eta += z[o + k] * b[k]
      const e = Math.exp(-Math.abs(eta))
      const mu = eta >= 0 ? 1 / (1 + e) : e / (1 + e)
      f += (eta > 0 ? eta : 0) + Math.log1p(e) - y[i] * eta
      const w = Math.max(mu * (1 - mu), 1e-12)
      for (let k = 0; k < q; k++) {
        const zk = z[o + k]
        g[k] += zk * (mu - y[i])
        const wk = w * zk
        for (let m = 0; m <= k; m++) h[k * q + m] += wk * z[o + m]
      }
    }
    for (let k = 1; k < q; k++) {
      f += (l2 / 2) * b[k] * b[k]
      g[k] += l2 * b[k]
      h[k * q + k] += l2
    }
    return { f, g, h }
  }
  let current = evaluate(beta)
  let iterations = 0
  let converged = false
  while (iterations < maxIter) {
    iterations++
    const { g, h: hf } = current
    const h = Array.from({ length: q }, (_, k) => Array.from({ length: q }, (_, m) => (m <= k ? hf[k * q + m] : hf[m * q + k])))
    const grad = Array.from(g)
    // a tiny ridge keeps the system solvable when a class is (nearly) separated and λ = 0
    const step =
      choleskySolve(h, grad) ??
      choleskySolve(
        h.map((r, k) => r.map((v, m) => (k === m ? v + 1e-6 : v))),
        grad,
      )
    if (!step) break
    // step halving: Newton may overshoot far from the optimum; the objective must not increase
    let t = 1
    let next = beta.map((b, k) => b - step[k])
    let candidate = evaluate(next)
    while (candidate.f > current.f + 1e-12 && t > 1e-6) {
      t /= 2
      next = beta.map((b, k) => b - t * step[k])
      candidate = evaluate(next)
    }
    const moved = Math.max(...step.map((s) => Math.abs(t * s)))
    const before = current.f
    if (candidate.f <= current.f) {
      beta.set(next)
      current = candidate
    }
    if (moved < tol || before - current.f < 1e-13 * (1 + Math.abs(current.f))) {
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
