// The whole vitest suite in two processes side by side: vitest runs one pool after another, so the e2e files (one at a
// time, mostly waiting on a browser and a dev server) would start only after every worker, unit and widget file.
import { spawn } from 'node:child_process'

const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname
const extra = process.argv.slice(2)

/** Runs vitest on some projects; the first one's output is held and printed whole, so the two never interleave. */
function run(projects, hold) {
  return new Promise((resolve) => {
    const args = [vitest, 'run', ...projects.flatMap((p) => ['--project', p]), ...extra]
    const child = spawn(process.execPath, args, { stdio: hold ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: process.env })
    const out = []
    if (hold) for (const s of [child.stdout, child.stderr]) s.on('data', (d) => out.push(d))
    child.on('exit', (code, signal) => {
      if (hold) process.stdout.write(Buffer.concat(out))
      resolve(code ?? (signal ? 1 : 0))
    })
  })
}

const codes = await Promise.all([run(['worker', 'unit', 'widget'], true), run(['e2e'], false)])
process.exit(codes.some((c) => c !== 0) ? 1 : 0)
