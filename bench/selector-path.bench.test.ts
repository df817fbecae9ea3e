import { expect, it } from 'vitest'
import { parseElementPath, parseSelector, selectorMatchesSteps } from '../worker/src/features/selector-path'
import { reference } from '../tests/unit/capture/selector-path-reference'

/** A path where every step matches two parts of `main .toolbar button.export` and none matches `main`. */
const crafted = (bytes: number) => Array.from({ length: Math.ceil(bytes / 30) }, () => 'div.toolbar > button.export').join(' > ')

function time(fn: () => boolean) {
  const t = performance.now()
  const matched = fn()
  return { ms: +(performance.now() - t).toFixed(2), matched }
}

it('times the linear selector-path matcher against the backtracking one it replaced', () => {
  const sel = parseSelector('main .toolbar button.export')!
  const result: Record<string, unknown> = {}
  for (const kb of [2, 8, 31]) {
    const steps = parseElementPath(crafted(kb * 1024))
    const linear = { steps: 0 }
    result[`linear_${kb}kb`] = { ...time(() => selectorMatchesSteps(sel, steps, linear)), step_comparisons: linear.steps }
    // the old matcher on 31 KB runs for tens of seconds here: measured up to 8 KB
    if (kb <= 8) {
      const old = { steps: 0 }
      result[`backtracking_${kb}kb`] = { ...time(() => reference(sel, steps, old)), step_comparisons: old.steps }
    }
  }
  const normal = parseElementPath('main#view > div.toolbar > button#go.export.primary')
  result.linear_normal_click = time(() => selectorMatchesSteps(sel, normal))
  console.log(`BENCH selector_path ${JSON.stringify(result)}`)
  expect(result).toBeTruthy()
})
