// CI size budget for the widget: fails the build when a bundle grows past its gzip budget.
import { BUDGETS, consoleSizes, widgetSizes } from './sizes.mjs'

const { core, nudges, nudgesFile, totalGzip, builder, builderFile, tours, toursFile } = widgetSizes()
if (!core) {
  console.error('public/uptake.js is missing: run `npm run build:widget` first')
  process.exit(1)
}
const lines = [`widget core  ${core.gzip} B gzip (budget ${BUDGETS.core})`]
if (nudges) lines.push(`nudge UI     ${nudges.gzip} B gzip (${nudgesFile})`, `core + UI    ${totalGzip} B gzip (budget ${BUDGETS.total})`)
if (tours) lines.push(`tours        ${tours.gzip} B gzip (${toursFile}, budget ${BUDGETS.tours}; only with a tour or the launcher)`)
if (builder) lines.push(`builder      ${builder.gzip} B gzip (${builderFile}, budget ${BUDGETS.builder}; authors only)`)
const cs = consoleSizes()
if (!cs) {
  console.error('public/dashboard/index.html is missing: run `npm run build:console` first')
  process.exit(1)
}
lines.push(
  `console      ${cs.firstGzip} B gzip first load (${cs.first.length} files, budget ${BUDGETS.console}); other views ${cs.laterGzip} B`,
)
console.log(lines.join('\n'))
const over =
  core.gzip > BUDGETS.core ||
  totalGzip > BUDGETS.total ||
  (builder?.gzip ?? 0) > BUDGETS.builder ||
  (tours?.gzip ?? 0) > BUDGETS.tours ||
  cs.firstGzip > BUDGETS.console
if (over) {
  console.error('widget size budget exceeded')
  process.exit(1)
}
