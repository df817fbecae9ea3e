import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error plain ESM script shared with `npm start`
import { prepareDatabase, seedDemo, startWrangler, waitForServer } from '../../scripts/local-server.mjs'

/**
 * The ONE extra e2e server for console tests: seeded WITH 90 days of history (scored runs, alerts), started lazily by
 * the first console file that asks and reused by the next ones (files run one after another, each in its own module
 * scope, so it is found through a state file named after the vitest process). global-setup's teardown stops it.
 */
interface State {
  base: string
  pid: number
  persistTo: string
  /** False while the history is being seeded: a file that gives up half way leaves a server nobody reuses, only stops. */
  seeded: boolean
}

/** Keyed by the vitest process (global setup provides its pid): one server per run, never another run's. */
const statePath = (vitestPid: number) => join(tmpdir(), `uptake-console-e2e-${vitestPid}.json`)

async function answers(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/healthz`)).ok
  } catch {
    return false
  }
}

let started: Promise<string> | undefined

/** The history-seeded server's base URL (starts it on first use: about a minute for the seed). */
export function consoleServer(): Promise<string> {
  started ??= (async () => {
    // imported here: global setup imports this file for stopConsoleServer, outside any test
    const { inject } = await import('vitest')
    // a history-seeded server already running (e.g. `node scripts/start.mjs`), for iterating on a busy machine
    const given = process.env.UPTAKE_CONSOLE_BASE
    if (given) return given.replace(/\/$/, '')
    const path = statePath(inject('vitestPid'))
    if (existsSync(path)) {
      const state = JSON.parse(readFileSync(path, 'utf8')) as State
      if (state.seeded && (await answers(state.base))) return state.base
      stopConsoleServer(inject('vitestPid'))
    }
    const persistTo = mkdtempSync(join(tmpdir(), 'uptake-console-e2e-'))
    const port = 8800 + Math.floor(Math.random() * 90)
    const base = `http://127.0.0.1:${port}`
    prepareDatabase(persistTo)
    const child = startWrangler({ port, persistTo })
    // recorded before seeding, so global-setup's teardown stops it even when this file times out meanwhile
    const state: State = { base, pid: child.pid, persistTo, seeded: false }
    writeFileSync(path, JSON.stringify(state))
    await waitForServer(base, child)
    await seedDemo(base, { history: true })
    writeFileSync(path, JSON.stringify({ ...state, seeded: true }))
    return base
  })()
  return started
}

/** Stops the console server this vitest process started, if any (called from global-setup's teardown). */
export function stopConsoleServer(vitestPid = process.pid): void {
  const path = statePath(vitestPid)
  if (!existsSync(path)) return
  const state = JSON.parse(readFileSync(path, 'utf8')) as State
  try {
    process.kill(-state.pid, 'SIGTERM')
  } catch {
    // already gone
  }
  rmSync(state.persistTo, { recursive: true, force: true })
  rmSync(path, { force: true })
}
