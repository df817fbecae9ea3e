import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error plain ESM script shared with `npm start`
import { startLocalServer } from '../../scripts/local-server.mjs'

/**
 * The ONE extra e2e server for console tests: seeded WITH 90 days of history (scored runs, alerts), started lazily by
 * the first console file that asks and reused by the next ones (files run one after another, each in its own worker
 * process, so it is found through a state file named after the vitest process). global-setup's teardown stops it.
 */
interface State {
  base: string
  pid: number
  persistTo: string
}

/** Test files run in a child of the vitest process; global setup runs in that process itself. */
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
    const path = statePath(process.ppid)
    if (existsSync(path)) {
      const state = JSON.parse(readFileSync(path, 'utf8')) as State
      if (await answers(state.base)) return state.base
    }
    const persistTo = mkdtempSync(join(tmpdir(), 'uptake-console-e2e-'))
    const port = 8800 + Math.floor(Math.random() * 90)
    const server = await startLocalServer({ port, persistTo, history: true })
    writeFileSync(path, JSON.stringify({ base: server.base, pid: server.child.pid, persistTo } satisfies State))
    return server.base as string
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
