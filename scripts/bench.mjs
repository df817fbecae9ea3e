// `npm run bench`: every figure measured side by side in one run on this machine, printed and saved to
// bench-results/latest.json. Absolute numbers move with machine load; the ratios are what to compare.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { consoleSizes, peerSizes, widgetSizes } from './sizes.mjs'

const root = new URL('..', import.meta.url).pathname
const results = { measured_at: new Date().toISOString() }

const kb = (n) => `${(n / 1024).toFixed(1)} KB`
const widget = widgetSizes()
const peers = await peerSizes()
results.sizes = { widget, peers }
console.log('\n== Sizes (gzip -9 / brotli 11) ==')
const row = (name, s) => s && console.log(`${name.padEnd(48)} ${kb(s.gzip).padStart(9)} gz ${kb(s.brotli).padStart(9)} br`)
row('uptake.js (capture core)', widget.core)
row(`${widget.nudgesFile ?? 'uptake-nudges.<hash>.js'} (nudge UI chunk)`, widget.nudges)
console.log(`${'uptake core + nudge UI'.padEnd(48)} ${kb(widget.totalGzip).padStart(9)} gz`)
for (const [name, s] of Object.entries(peers)) row(name, s)
const cs = consoleSizes()
results.sizes.console = cs
if (cs) {
  console.log(
    `${'CS console first load (html + js + css)'.padEnd(48)} ${kb(cs.firstGzip).padStart(9)} gz  (${cs.first.map((f) => f.file).join(', ')})`,
  )
  console.log(`${'CS console views loaded later'.padEnd(48)} ${kb(cs.laterGzip).padStart(9)} gz`)
}
const ratio = (name) => (peers[name] && widget.core ? (peers[name].gzip / widget.core.gzip).toFixed(1) : 'n/a')
console.log(
  `posthog-js core is ${ratio('posthog-js (array.js, capture core)')}x and analytics-next ${ratio('@segment/analytics-next (standalone.js)')}x the size of uptake.js`,
)

// Benchmarks that run inside workerd (vitest project `bench`): each prints one `BENCH <name> <json>` line.
const benchFiles = existsSync(root + 'bench') ? readdirSync(root + 'bench').filter((f) => f.endsWith('.bench.test.ts')) : []
for (const file of benchFiles) {
  console.log(`\n== ${file} ==`)
  const out = execFileSync(process.execPath, [root + 'node_modules/vitest/vitest.mjs', 'run', '--project', 'bench', `bench/${file}`], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  for (const line of out.split('\n')) {
    const m = line.match(/BENCH (\S+) (\{.*\})/)
    if (!m) continue
    results[m[1]] = JSON.parse(m[2])
    console.log(m[1], JSON.stringify(results[m[1]], null, 2))
  }
}

// Benchmarks that need a running server (e.g. decision latency over HTTP) live in scripts/bench-*.mjs.
for (const file of readdirSync(root + 'scripts').filter((f) => /^bench-.+\.mjs$/.test(f))) {
  console.log(`\n== ${file} ==`)
  const out = execFileSync(process.execPath, [root + 'scripts/' + file], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  for (const line of out.split('\n')) {
    const m = line.match(/BENCH (\S+) (\{.*\})/)
    if (m) results[m[1]] = JSON.parse(m[2])
    console.log(line)
  }
}

mkdirSync(root + 'bench-results', { recursive: true })
writeFileSync(root + 'bench-results/latest.json', JSON.stringify(results, null, 2) + '\n')
console.log('\nsaved bench-results/latest.json')
