// Starts the worker locally (wrangler dev on workerd, local D1), applies migrations and seeds the demo project.
// Used by `npm start`, the end-to-end tests and the benchmarks, so all three run the same thing.
import { spawn, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  DEMO_ADMIN_KEY,
  DEMO_FEATURES,
  DEMO_LAUNCHER,
  DEMO_READ_KEY,
  DEMO_WRITE_KEY,
  DEMO_NUDGES,
  demoAccountAttributes,
  demoExportTipAnswer,
  demoHistory,
  demoLiveUsers,
  demoPastAccounts,
} from './demo-data.mjs'

const wrangler = new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url).pathname
const root = new URL('..', import.meta.url).pathname

function run(args, persistTo) {
  execFileSync(process.execPath, [wrangler, ...args, '--local', ...(persistTo ? ['--persist-to', persistTo] : [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
  })
}

const sha256 = (s) => createHash('sha256').update(s).digest('hex')

/** Demo CS team members (id, name, email) and the local-only keys bound to Dana. */
const DEMO_MEMBERS = [
  ['mem_dana', 'Dana', 'dana@ledgerly.test'],
  ['mem_sam', 'Sam', 'sam@ledgerly.test'],
]
const DEMO_MEMBER_KEYS = [
  ['rk_dana', 'read', 'mem_dana', 'Dana'],
  ['sk_dana', 'admin', 'mem_dana', 'Dana'],
]

/** Migrations, then the demo project and its fixed local-only keys (hashes only, as in production). */
export function prepareDatabase(persistTo) {
  run(['d1', 'migrations', 'apply', 'DB'], persistTo)
  const now = Date.now()
  const keys = [
    [DEMO_WRITE_KEY, 'write'],
    [DEMO_READ_KEY, 'read'],
    [DEMO_ADMIN_KEY, 'admin'],
  ]
  // Values are our own constants (no outside input); wrangler d1 execute takes no bound parameters.
  const sql = [
    `INSERT OR IGNORE INTO projects (id, name, created_at) VALUES ('demo', 'Ledgerly (demo)', ${now});`,
    ...keys.map(
      ([k, kind]) =>
        `INSERT OR IGNORE INTO api_keys (key_hash, project_id, kind, label, created_at, id, last4) VALUES ('${sha256(k)}', 'demo', '${kind}', 'local demo ${kind} key', ${now}, 'key_demo_${kind}', '${k.slice(-4)}');`,
    ),
    // the CS team: Dana and Sam, and Dana's own local-only read and admin keys (the console's "me")
    ...DEMO_MEMBERS.map(
      ([id, name, email]) =>
        `INSERT OR IGNORE INTO members (project_id, id, name, email, created_at) VALUES ('demo', '${id}', '${name}', '${email}', ${now});`,
    ),
    ...DEMO_MEMBER_KEYS.map(
      ([k, kind, member, name]) =>
        `INSERT OR IGNORE INTO api_keys (key_hash, project_id, kind, label, created_at, id, last4, member_id) VALUES ('${sha256(k)}', 'demo', '${kind}', '${name}’s local demo ${kind} key', ${now}, 'key_${k}', '${k.slice(-4)}', '${member}');`,
    ),
  ].join('\n')
  run(['d1', 'execute', 'DB', '--command', sql], persistTo)
}

export async function waitForServer(base, child, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${base}/healthz`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`wrangler dev did not answer on ${base} within ${timeoutMs} ms`)
}

/**
 * `wrangler dev` in its own process group. `--test-scheduled` serves `/__scheduled` (the daily job on demand):
 * the `/cdn-cgi/handler/scheduled` URL wrangler prints answers 500 for workers with static assets in this
 * wrangler (cloudflare/workers-sdk#9882). `output: 'pipe'` lets a caller read the dev server's log.
 */
export function startWrangler({ port, persistTo, quiet = true, output = quiet ? 'ignore' : 'inherit', ingest = 'queue' }) {
  const args = [
    wrangler,
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--show-interactive-dev-session=false',
    '--inspector-port',
    '0',
    '--test-scheduled',
  ]
  if (persistTo) args.push('--persist-to', persistTo)
  // `inline`: ingest writes in the request (what a test reads right after sending); `queue`: through the local queue
  if (ingest === 'inline') args.push('--var', 'INGEST_DIRECT:true')
  return spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', output, output],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    detached: true,
  })
}

/**
 * One seed call, retried when the dev server drops it (a reset connection, or the dev proxy's 503 "Your worker
 * restarted mid-request", see README) or the worker asks to retry (503 busy, 409 run in progress with Retry-After).
 * Every seed call is idempotent: events carry messageIds, features and settings are PUTs, outcomes are deduped by date.
 */
async function send(base, path, init, attempts = 6) {
  for (let attempt = 1; ; attempt++) {
    let res
    try {
      res = await fetch(base + path, init)
    } catch (e) {
      if (attempt >= attempts) throw e
      await new Promise((r) => setTimeout(r, 250 * attempt))
      continue
    }
    if ((res.status === 503 || (res.status === 409 && res.headers.has('retry-after'))) && attempt < attempts) {
      await res.body?.cancel()
      await new Promise((r) => setTimeout(r, Math.max(250 * attempt, Number(res.headers.get('retry-after') ?? 0) * 1000)))
      continue
    }
    if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`)
    return res.json()
  }
}

/**
 * Ingest answers once its queue has the events; the consumer writes them a moment later. Waits until the
 * project holds at least `expected` distinct events (GET /api/v1/ingest/status), at most `timeoutMs`.
 */
export async function waitForIngest(base, headers, expected, timeoutMs = 600_000, onStall = null) {
  const deadline = Date.now() + timeoutMs
  let last = -1
  let movedAt = Date.now()
  for (;;) {
    const status = await send(base, '/api/v1/ingest/status', { headers })
    if (status.stored_events >= expected) return status
    if (Date.now() > deadline) throw new Error(`ingest stored ${status.stored_events} of ${expected} events within ${timeoutMs} ms`)
    if (status.stored_events !== last) ((last = status.stored_events), (movedAt = Date.now()))
    // Miniflare's local queue sometimes stops flushing a part-filled batch (its batch timer does not fire; BENCHMARKS.md,
    // load run): requests sent again fill a batch, which flushes by size, and write nothing twice (exact dedupe)
    if (onStall && Date.now() - movedAt > 15_000) {
      await onStall()
      movedAt = Date.now()
    }
    await new Promise((r) => setTimeout(r, 500))
  }
}

/**
 * What a stalled local queue gets: 100 small requests of events already sent (a batch's worth of messages, so it
 * flushes by size; every event a duplicate, so nothing is written twice).
 */
const refill = (sendBatch, events) => async () => {
  console.log('  local queue stalled: re-sending 100 small requests of events already sent, to flush it')
  const tail = events.slice(-1000)
  for (let i = 0; i < 100; i++) await sendBatch(tail.slice((i * 10) % tail.length, ((i * 10) % tail.length) + 10))
}

/** Features through the admin API, then 90 days of history through /v1/import (the write key takes 30 days), 500 events a batch. */
export async function seedDemo(base, { history = true } = {}) {
  const admin = { authorization: `Bearer ${DEMO_ADMIN_KEY}`, 'content-type': 'application/json' }
  for (const f of DEMO_FEATURES) await send(base, `/api/v1/features/${f.key}`, { method: 'PUT', headers: admin, body: JSON.stringify(f) })
  if (!history) return 0
  const past = demoPastAccounts()
  // in time order, as a backfill would send them: a batch then spans a day or two, so the consumer writes one or two
  // archive objects per batch rather than one per day of history (stable: a user's identify and group stay first)
  const events = [...demoHistory(), ...past.events].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
  const importBatch = (batch) =>
    send(base, '/v1/import', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/plain' },
      body: JSON.stringify({ sentAt: new Date().toISOString(), batch }),
    })
  for (let i = 0; i < events.length; i += 500) await importBatch(events.slice(i, i + 500))
  await waitForIngest(base, admin, new Set(events.map((e) => e.messageId)).size, 600_000, refill(importBatch, events))
  // the CS team's book (owner, ARR, seats, plan, NPS, renewal date) before scoring reads it; renewal dates follow today
  for (const [id, attributes] of demoAccountAttributes())
    await send(base, `/api/v1/accounts/${id}`, { method: 'PATCH', headers: admin, body: JSON.stringify(attributes) })
  // outcomes are recorded once: a re-run of the seed finds them already there
  const known = await send(base, `/api/v1/accounts/${past.outcomes[0].account}/outcomes`, { headers: admin })
  if (known.outcomes.length === 0) {
    for (const o of past.outcomes)
      await send(base, `/api/v1/accounts/${o.account}/outcomes`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ kind: o.kind, date: o.date, amount: o.amount }),
      })
  }
  // 30 days of daily runs replayed in order, so trends, deltas and hysteresis have history to show
  for (let d = 30; d >= 1; d--) {
    const at = new Date(Date.now() - d * 86_400_000).toISOString()
    await send(base, '/api/v1/scoring/run', { method: 'POST', headers: admin, body: JSON.stringify({ at }) })
  }
  await send(base, '/api/v1/scoring/run', { method: 'POST', headers: admin })
  await send(base, '/api/v1/settings', {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ nudges: { max_per_session: 3, max_per_week: 20 }, launcher: DEMO_LAUNCHER }),
  })
  for (const [key, nudge] of Object.entries(DEMO_NUDGES))
    await send(base, `/api/v1/nudges/${key}`, { method: 'PUT', headers: admin, body: JSON.stringify(nudge) })
  // the live users meet the export tooltip on Reports today: the server decides shown or held out, then they answer
  const answers = []
  for (const userId of demoLiveUsers()) {
    const due = await send(base, `/v1/nudges?writeKey=${DEMO_WRITE_KEY}&userId=${encodeURIComponent(userId)}&path=/demo/reports`)
    answers.push(
      ...demoExportTipAnswer(
        userId,
        due.nudges.some((n) => n.key === 'export-tip'),
      ),
    )
  }
  const liveBatch = (batch) =>
    send(base, '/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ writeKey: DEMO_WRITE_KEY, sentAt: new Date().toISOString(), batch }),
    })
  await liveBatch(answers)
  await waitForIngest(base, admin, new Set([...events, ...answers].map((e) => e.messageId)).size, 600_000, refill(liveBatch, answers))
  return events.length + answers.length
}

/** Everything at once: for tests and benchmarks. Returns the base URL and a stop function. */
export async function startLocalServer({ port, persistTo, seed = true, history = true, output = 'ignore', ingest = 'queue' }) {
  prepareDatabase(persistTo)
  const child = startWrangler({ port, persistTo, output, ingest })
  const base = `http://127.0.0.1:${port}`
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  try {
    await waitForServer(base, child)
    if (seed) await seedDemo(base, { history })
  } catch (e) {
    stop()
    throw e
  }
  return { base, stop, child }
}
