import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
// @ts-expect-error plain ESM script shared with `npm start`
import { startLocalServer } from '../../scripts/local-server.mjs'
import { startConsoleServer, stopConsoleServer } from './console-server'
import { runIncludesConsole } from './sequencer'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    /** This vitest process: console test files find the shared history server by it (tests/e2e/console-server.ts). */
    vitestPid: number
  }
}

/** One `wrangler dev` on a fresh local D1 for the whole e2e run, seeded like `npm start` (features, no history). */
export default async function setup(project: TestProject) {
  const persistTo = mkdtempSync(join(tmpdir(), 'uptake-e2e-'))
  const port = 8700 + Math.floor(Math.random() * 90)
  // the console files' history server seeds in the background meanwhile (they run last)
  if (runIncludesConsole() && !process.env.UPTAKE_CONSOLE_BASE) startConsoleServer(process.pid)
  // widget and nudge UI tests read what a page just sent: ingest writes inline here (the console's server and
  // `npm start` go through the local queue)
  const server = await startLocalServer({ port, persistTo, history: false, ingest: 'inline' })
  project.provide('baseUrl', server.base)
  project.provide('vitestPid', process.pid)
  return () => {
    server.stop()
    stopConsoleServer()
    rmSync(persistTo, { recursive: true, force: true })
  }
}
