import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error plain ESM script shared with `npm start`
import { prepareDatabase, seedDemo, startWrangler, waitForServer } from '../../scripts/local-server.mjs'

/**
 * The ONE extra e2e server for console tests: seeded WITH 90 days of history (scored runs, alerts). Global setup starts
 * it in the background when the run includes console files, so its minute or two of seeding overlaps the other e2e
 * files (which the sequencer runs first); console files wait for it through a state file named after the vitest process.
 */
interface State {
  base: string
  pid: number
  persistTo: string
  /** False while the history is being seeded. */
  seeded: boolean
  /** Why the start or the seed failed: console files fail with it instead of waiting. */
  failed?: string
}

/** Keyed by the vitest process (global setup provides its pid): one server per run, never another run's. */
const statePath = (vitestPid: number) => join(tmpdir(), `uptake-console-e2e-${vitestPid}.json`)
const readState = (path: string) => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as State) : undefined)

/** Starts and seeds the history server without waiting for it (global setup); the state file says when it is ready. */
export function startConsoleServer(vitestPid: number): void {
  const path = statePath(vitestPid)
  const persistTo = mkdtempSync(join(tmpdir(), 'uptake-console-e2e-'))
  const port = 8800 + Math.floor(Math.random() * 90)
  const base = `http://127.0.0.1:${port}`
  prepareDatabase(persistTo)
  // inline ingest: under the whole suite's load the local queue drains the 38k-event seed too slowly for CI (its
  // consumer runs in tests/worker/ingest-queue.test.ts, the load bench and `npm start`)
  const child = startWrangler({ port, persistTo, ingest: 'inline' })
  // recorded before seeding, so global setup's teardown stops it even when the seed never finishes
  const state: State = { base, pid: child.pid, persistTo, seeded: false }
  writeFileSync(path, JSON.stringify(state))
  void (async () => {
    try {
      await waitForServer(base, child)
      await seedDemo(base, { history: true })
      writeFileSync(path, JSON.stringify({ ...state, seeded: true }))
    } catch (e) {
      writeFileSync(path, JSON.stringify({ ...state, failed: String(e) }))
    }
  })()
}

let ready: Promise<string> | undefined

/** The history-seeded server's base URL, once seeded (a console file started alone starts it itself). */
export function consoleServer(timeoutMs = 600_000): Promise<string> {
  ready ??= (async () => {
    // imported here: global setup imports this file, outside any test
    const { inject } = await import('vitest')
    // a history-seeded server already running (e.g. `node scripts/start.mjs`), for iterating on a busy machine
    const given = process.env.UPTAKE_CONSOLE_BASE
    if (given) return given.replace(/\/$/, '')
    const path = statePath(inject('vitestPid'))
    if (!readState(path)) throw new Error('no console e2e server: global setup starts it when the run includes console files')
    const until = Date.now() + timeoutMs
    for (;;) {
      const state = readState(path)!
      if (state.failed) throw new Error(`the console e2e server failed: ${state.failed}`)
      if (state.seeded) return state.base
      if (Date.now() > until) throw new Error(`the console e2e server was not seeded within ${timeoutMs / 1000} s`)
      await new Promise((r) => setTimeout(r, 500))
    }
  })()
  return ready
}

/** Stops the console server this vitest process started, if any (called from global setup's teardown). */
export function stopConsoleServer(vitestPid = process.pid): void {
  const path = statePath(vitestPid)
  const state = readState(path)
  if (!state) return
  try {
    process.kill(-state.pid, 'SIGTERM')
  } catch {
    // already gone
  }
  rmSync(state.persistTo, { recursive: true, force: true })
  rmSync(path, { force: true })
}
