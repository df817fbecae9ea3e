// Loopback load run (issue 13): the worker bundled with esbuild and served by Miniflare itself on 127.0.0.1 (no
// `wrangler dev` proxy), with wrangler.toml's bindings (local D1 with every migration, R2 archive, the ingest queue
// and its consumer, dead-letter queue, Durable Objects). CLIENTS keep-alive clients send widget-shaped batches
// (one user, EVENTS_PER_REQUEST events) until EVENTS events or MINUTES minutes; every 20th batch is sent again
// with the same messageIds, as a client retry would. Retries 503s and connection errors with backoff like a client.
// Then waits for the queue to drain and counts accepted, stored (D1 event_ids and the R2 archive), lost, duplicated.
// LOAD_SHARDS=4 creates the project with its user-grain state in 4 account shards (Durable Objects) and counts there.
// Usage: [LOAD_REV=HEAD] [LOAD_WAVE_REQUESTS=2000] [LOAD_SHARDS=1] node scripts/bench-load.mjs [clients=200] [events=1000000] [minutes=8]
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { gunzipSync } from 'node:zlib'

const CLIENTS = Number(process.argv[2] ?? 200)
const EVENTS = Number(process.argv[3] ?? 1_000_000)
const MINUTES = Number(process.argv[4] ?? 8)
const EVENTS_PER_REQUEST = 50
const SHARDS = Number(process.env.LOAD_SHARDS ?? 1)
const RESEND_EVERY = 20 // 5 % of batches re-sent
const MAX_ATTEMPTS = 8
const DRAIN_LIMIT_MS = 10 * 60_000
const root = new URL('..', import.meta.url).pathname

// The clients run in a worker thread: on this thread they starve Miniflare's loopback server (workerd's log calls into
// Node); with them here the local queue broker stopped delivering for good, most likely when such a call failed.
// Waves of WAVE_REQUESTS batches with a pause for the queue to drain between them: Miniflare's local queue broker (a
// Durable Object) sets one timer per message, and while producers keep it busy those timers do not fire; past
// workerd's 10,000 active timers per isolate every send fails (our 503) and nothing more is delivered.
const WAVE_REQUESTS = Number(process.env.LOAD_WAVE_REQUESTS ?? 2000)
const options = { clients: CLIENTS, events: EVENTS, minutes: MINUTES, waveRequests: WAVE_REQUESTS, shards: SHARDS }
if (!isMainThread) {
  parentPort.postMessage(await runClients(workerData))
  await new Promise(() => {}) // the main thread ends the process
}
// Miniflare's loopback server (workerd's log and storage calls back into Node) keeps idle connections open: with
// Node's 5 s keep-alive timeout a call sent just as the server closes its connection fails
const createServer = http.createServer
http.createServer = (...args) => Object.assign(createServer(...args), { keepAliveTimeout: 0, headersTimeout: 0, requestTimeout: 0 })
const { build } = await import('esbuild')
const { Log, LogLevel, Miniflare } = await import('miniflare')
const { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } = await import('wrangler')
const dir = mkdtempSync(join(tmpdir(), 'uptake-load-'))
const port = 20000 + Math.floor(Math.random() * 20000)

// ---- the clients (worker thread) ----
async function runClients({ port, writeKey, readKey, waveRequests, clients: CLIENTS, events: EVENTS, minutes: MINUTES }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS })
  function post(body) {
    const started = performance.now()
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/batch',
          agent,
          headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () =>
            resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
          )
          res.on('error', (e) => resolve({ status: 0, body: e.code ?? e.message, ms: performance.now() - started }))
        },
      )
      req.on('error', (e) => resolve({ status: 0, body: e.code ?? e.message, ms: performance.now() - started }))
      req.setTimeout(120_000, () => req.destroy(new Error('timeout')))
      req.end(body)
    })
  }

  const USERS = 2000
  /** A widget flush of one user's session: page views, clicks, feature tracks and an engaged-time ping. */
  function bodyOf(r) {
    const user = r % USERS
    const context = { groupId: `load-a${user % 200}`, page: { path: '/invoices' } }
    const t = Date.now()
    const batch = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => {
      const e = {
        messageId: `L-${r}-${i}`,
        userId: `load-u${user}`,
        anonymousId: `anon-${user}`,
        context,
        timestamp: new Date(t - (EVENTS_PER_REQUEST - i) * 100).toISOString(),
      }
      const slot = i % 10
      if (slot === 0) return { ...e, type: 'page', name: 'Invoices', properties: { path: '/invoices' } }
      if (slot <= 5)
        return { ...e, type: 'track', event: '$click', properties: { selector: 'main > button', text: 'New invoice', path: '/invoices' } }
      if (slot <= 7) return { ...e, type: 'track', event: 'Invoice Created', properties: { amount: 120 } }
      if (slot === 8) return { ...e, type: 'track', event: 'Report Exported' }
      return { ...e, type: 'track', event: '$engaged', properties: { seconds: 30 } }
    })
    return JSON.stringify({ writeKey, sentAt: new Date(t).toISOString(), batch })
  }

  const byStatus = {}
  const samples = {}
  const firstLatencies = []
  const deliveredLatencies = []
  const stats = {
    requests: 0,
    first_sends: 0,
    resends: 0,
    retries: 0,
    retried_503: 0,
    retried_connection_errors: 0,
    restarted_503: 0,
    given_up: 0,
  }
  const accepted = new Set() // request numbers some 200 answered: their 50 messageIds were acknowledged
  const givenUp = []
  let acceptedEventsAnswered = 0

  /** Sends one body until a 200 (or a refusal, or MAX_ATTEMPTS), backing off on 503s and dropped connections as a client would. */
  async function send(r, body, first) {
    const started = performance.now()
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const res = await post(body)
      stats.requests++
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1
      if (first && attempt === 1) firstLatencies.push(res.ms)
      if (res.status !== 200) samples[res.status] ??= res.body.slice(0, 200)
      if (res.body.includes('restarted')) stats.restarted_503++
      if (res.status === 200) {
        accepted.add(r)
        acceptedEventsAnswered += JSON.parse(res.body).accepted ?? 0
        if (first) deliveredLatencies.push(performance.now() - started)
        return true
      }
      const retryable = res.status === 0 || res.status === 429 || res.status >= 500
      if (!retryable || attempt === MAX_ATTEMPTS) break
      stats.retries++
      if (res.status === 0) stats.retried_connection_errors++
      else if (res.status === 503) stats.retried_503++
      await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random())))
    }
    stats.given_up++
    givenUp.push(r)
    return false
  }

  const totalRequests = Math.ceil(EVENTS / EVENTS_PER_REQUEST)
  const started = Date.now()
  const sendUntil = started + MINUTES * 60_000
  let next = 0
  const progress = setInterval(
    () =>
      console.error(`load ${Math.round((Date.now() - started) / 1000)} s: ${accepted.size} batches accepted, ${JSON.stringify(byStatus)}`),
    10_000,
  )
  /** Distinct events stored, from the public GET /api/v1/ingest/status (null when unanswered). */
  const storedEvents = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/ingest/status`, { headers: { authorization: `Bearer ${readKey}` } })
      return res.ok ? (await res.json()).stored_events : null
    } catch {
      return null
    }
  }
  let waves = 0
  let pausedMs = 0
  for (let waveStart = 0; waveStart < totalRequests && Date.now() < sendUntil; waveStart += waveRequests) {
    const waveEnd = Math.min(totalRequests, waveStart + waveRequests)
    next = waveStart
    waves++
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < sendUntil) {
          const r = next++
          if (r >= waveEnd) return
          const body = bodyOf(r)
          stats.first_sends++
          const ok = await send(r, body, true)
          if (ok && r % RESEND_EVERY === 0) {
            stats.resends++
            await send(r, body, false)
          }
        }
      }),
    )
    if (waveEnd >= totalRequests || Date.now() >= sendUntil) break
    // let the local queue drain before the next wave (see the note on waves at the top); 2 minutes without progress ends the wait
    const pauseStart = Date.now()
    for (let last = -1, since = Date.now(); Date.now() - since < 120_000;) {
      const n = await storedEvents()
      if (n !== null && n >= accepted.size * EVENTS_PER_REQUEST) break
      if (n !== null && n !== last) [last, since] = [n, Date.now()]
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    pausedMs += Date.now() - pauseStart
  }
  clearInterval(progress)
  agent.destroy()
  return {
    sendSeconds: (Date.now() - started) / 1000,
    waves,
    pausedSeconds: pausedMs / 1000,
    totalRequests,
    byStatus,
    samples,
    firstLatencies,
    deliveredLatencies,
    stats,
    accepted: [...accepted],
    givenUp,
    acceptedEventsAnswered,
  }
}

// ---- the server: esbuild bundle (as wrangler deploy builds it) under Miniflare with wrangler.toml's bindings ----
const { workerOptions, define } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'))
delete workerOptions.assets // static files play no part in ingest
// LOAD_REV=<commit> measures that commit's worker (exported with git archive) instead of the working tree
let source = root
if (process.env.LOAD_REV) {
  source = join(dir, 'src/')
  execFileSync('sh', ['-c', `mkdir -p '${source}' && git archive '${process.env.LOAD_REV}' worker shared | tar -x -C '${source}'`], {
    cwd: root,
  })
}
// LOAD_TRACE=1: the queue handler wrapped to log each consumer call's start and end, and each D1 / R2 call it makes
let entry = join(source, 'worker/src/index.ts')
if (process.env.LOAD_TRACE) {
  entry = join(dir, 'trace-entry.mjs')
  writeFileSync(
    entry,
    `import w from ${JSON.stringify(join(source, 'worker/src/index.ts'))}
export * from ${JSON.stringify(join(source, 'worker/src/index.ts'))}
let seq = 0
const traced = (name, target, n) => new Proxy(target, { get(t, k) { const v = t[k]; if (typeof v !== 'function') return v
  return (...a) => { const r = v.apply(t, a); if (!(r instanceof Promise)) return k === 'prepare' || k === 'bind' ? traced(name, r, n) : r
    const t0 = Date.now(); const timer = setTimeout(() => console.log('TRACE slow', n, name, String(k), Date.now() - t0), 10000)
    return r.finally(() => clearTimeout(timer)) } } })
export default { ...w, async queue(batch, env, ctx) { const n = ++seq; const t0 = Date.now(); console.log('TRACE consume start', n, batch.messages.length)
  try { await w.queue(batch, { ...env, DB: traced('DB', env.DB, n), RAW_EVENTS: traced('R2', env.RAW_EVENTS, n) }, ctx); console.log('TRACE consume end', n, Date.now() - t0) }
  catch (e) { console.log('TRACE consume threw', n, String(e)); throw e } } }
`,
  )
}
await build({
  entryPoints: [entry],
  nodePaths: [join(root, 'node_modules')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['cloudflare:*'],
  define,
  outfile: join(dir, 'worker.mjs'),
  logLevel: 'warning',
})
let workerLog = ''
const mf = new Miniflare({
  ...workerOptions,
  name: 'uptake',
  modules: true,
  scriptPath: join(dir, 'worker.mjs'),
  modulesRoot: dir,
  host: '127.0.0.1',
  port,
  defaultPersistRoot: join(dir, 'state'),
  cf: false, // offline: no fetch of the Request.cf placeholder
  logRequests: false, // one loopback call per request otherwise
  log: new Log(process.env.LOAD_MF_LOG === 'info' ? LogLevel.INFO : LogLevel.WARN),
  handleRuntimeStdio(stdout, stderr) {
    stdout.on('data', (d) => (workerLog += d))
    stderr.on('data', (d) => (workerLog += d))
  },
})
await mf.ready.catch((e) => {
  console.error(workerLog)
  throw e
})
const db = await mf.getD1Database('DB')
for (const file of readdirSync(join(root, 'migrations'))
  .filter((f) => f.endsWith('.sql'))
  .sort()) {
  const queries = unstable_splitSqlQuery(readFileSync(join(root, 'migrations', file), 'utf8'))
  await db.batch(queries.map((q) => db.prepare(q)))
}
// a fresh project and write key, stored as the API stores them (the key's hash only)
const projectId = 'load'
const writeKey = `wk_load_${randomBytes(12).toString('hex')}`
const readKey = `rk_load_${randomBytes(12).toString('hex')}`
const now0 = Date.now()
await db.batch([
  db.prepare('INSERT INTO projects (id, name, created_at, state_shards) VALUES (?1, ?2, ?3, ?4)').bind(projectId, 'Load run', now0, SHARDS),
  db
    .prepare('INSERT INTO api_keys (key_hash, project_id, kind, label, created_at, id, last4) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
    .bind(createHash('sha256').update(writeKey).digest('hex'), projectId, 'write', 'load run', now0, 'key_load_write', writeKey.slice(-4)),
  db
    .prepare('INSERT INTO api_keys (key_hash, project_id, kind, label, created_at, id, last4) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
    .bind(createHash('sha256').update(readKey).digest('hex'), projectId, 'read', 'load run', now0, 'key_load_read', readKey.slice(-4)),
])

/**
 * Distinct events stored, from the public GET /api/v1/ingest/status (null when unanswered). Under load this script
 * reads nothing through Miniflare's own proxy: a connection workerd drops there fails inside Miniflare's helper
 * thread, beyond any catch, and ends the process.
 */
async function storedEvents() {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/ingest/status`, { headers: { authorization: `Bearer ${readKey}` } })
    return res.ok ? (await res.json()).stored_events : null
  } catch {
    return null
  }
}

/** Resident memory (MB) of the workerd processes Miniflare started (children of this process). */
function workerdRssMb() {
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,rss=,comm=', '-e'], { encoding: 'utf8' })
    return out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((r) => Number(r[0]) === process.pid && r[2]?.includes('workerd'))
      .reduce((n, r) => n + Math.round(Number(r[1]) / 1024), 0)
  } catch {
    return 0
  }
}

/** This script's own reads through Miniflare's proxy: workerd drops some connections under load, so retried. */
async function retried(fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      if (attempt >= 10) throw e
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt))
    }
  }
}

// ---- the load: clients in a worker thread; this thread watches the store ----
const started = Date.now()
let peakRss = workerdRssMb()
// progress on stderr every 10 s: events stored so far, workerd memory
const rssTimer = setInterval(async () => {
  peakRss = Math.max(peakRss, workerdRssMb())
  const storedNow = (await storedEvents()) ?? '?'
  console.error(`load ${Math.round((Date.now() - started) / 1000)} s: ${storedNow} events stored, workerd ${workerdRssMb()} MB`)
}, 10_000)
const sent = await new Promise((resolve, reject) => {
  const w = new Worker(new URL(import.meta.url), { workerData: { port, writeKey, readKey, ...options } })
  w.once('message', resolve)
  w.once('error', reject)
})
const {
  sendSeconds,
  waves,
  pausedSeconds,
  totalRequests,
  byStatus,
  samples,
  firstLatencies,
  deliveredLatencies,
  stats,
  givenUp,
  acceptedEventsAnswered,
} = sent
const accepted = new Set(sent.accepted)

// ---- drain: the queue consumer writes in the background; wait until event_ids stops growing ----
const count = async (sql) => (await retried(() => db.prepare(sql).bind(projectId).first('n'))) ?? 0
// a sharded project's user-grain rows live in its AccountShard objects (`<project>:<shard>/<N>`): summed over them
const shardNamespace = SHARDS > 1 ? await mf.getDurableObjectNamespace('ACCOUNT_SHARDS') : null
async function stateCount(sql, ...params) {
  if (!shardNamespace)
    return (
      (await retried(() =>
        db
          .prepare(sql)
          .bind(projectId, ...params)
          .first('n'),
      )) ?? 0
    )
  let total = 0
  for (let shard = 0; shard < SHARDS; shard++) {
    const stub = shardNamespace.get(shardNamespace.idFromName(`${projectId}:${shard}/${SHARDS}`))
    const [result] = await retried(() => stub.execute([{ sql, params: [projectId, ...params] }]))
    total += Number(result.rows[0]?.[0] ?? 0)
  }
  return total
}
const acceptedEvents = accepted.size * EVENTS_PER_REQUEST
let stored = 0
let stableSince = Date.now()
const drainUntil = Date.now() + DRAIN_LIMIT_MS
for (;;) {
  const n = (await storedEvents()) ?? stored
  if (n !== stored) stableSince = Date.now()
  stored = n
  // done when everything acknowledged is stored and nothing more arrived for 5 s; give up after 60 s without progress
  if ((stored >= acceptedEvents && Date.now() - stableSince >= 5000) || Date.now() - stableSince >= 60_000 || Date.now() > drainUntil) break
  await new Promise((resolve) => setTimeout(resolve, 1000))
}
const drainedSeconds = (Date.now() - started) / 1000
stored = await stateCount('SELECT COUNT(*) AS n FROM event_ids WHERE project_id = ?1')
clearInterval(rssTimer)
peakRss = Math.max(peakRss, workerdRssMb())

// stored events of batches the client gave up on (never acknowledged) are not "accepted", so not lost either
let storedUnacknowledged = 0
for (const r of givenUp)
  storedUnacknowledged += await stateCount('SELECT COUNT(*) AS n FROM event_ids WHERE project_id = ?1 AND message_id LIKE ?2', `L-${r}-%`)
const rolledUpUserDays = await stateCount('SELECT COALESCE(SUM(events), 0) AS n FROM user_days WHERE project_id = ?1')
const rolledUpEventDays = await stateCount('SELECT COALESCE(SUM(n), 0) AS n FROM user_event_days WHERE project_id = ?1')
// with shards, the main D1 must hold none of the project's dedupe keys or rollups
const userGrainRowsInD1 =
  SHARDS > 1
    ? (await count('SELECT COUNT(*) AS n FROM event_ids WHERE project_id = ?1')) +
      (await count('SELECT COUNT(*) AS n FROM user_days WHERE project_id = ?1'))
    : null
const deadLetters = await count('SELECT COUNT(*) AS n FROM ingest_dead_letters WHERE project_id = ?1')

// the store's counts now, in case reading the archive back through Miniflare's proxy fails (it has, once, at 1 M events)
console.error(
  `load counts ${JSON.stringify({ stored, storedUnacknowledged, rolledUpUserDays, rolledUpEventDays, userGrainRowsInD1, deadLetters })}`,
)

// ---- the R2 archive: every object read back, its lines deduped on message_id ----
const bucket = await mf.getR2Bucket('RAW_EVENTS')
const keys = []
for (let cursor; ;) {
  const page = await retried(() => bucket.list({ prefix: `raw/${projectId}/`, cursor, limit: 1000 }))
  keys.push(...page.objects.map((o) => o.key))
  if (!page.truncated) break
  cursor = page.cursor
}
const archivedIds = new Set()
let archiveLines = 0
// 4 reads in flight: with 8, Miniflare's proxy asserted once (SynchronousFetcher) after a sharded 1 M-event run
for (let i = 0; i < keys.length; i += 4) {
  await Promise.all(
    keys.slice(i, i + 4).map(async (key) => {
      const body = await retried(async () => Buffer.from(await (await bucket.get(key)).arrayBuffer()))
      const text = gunzipSync(body).toString('utf8')
      for (const line of text.split('\n')) {
        if (!line) continue
        archiveLines++
        archivedIds.add(JSON.parse(line).message_id)
      }
    }),
  )
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]) : null
}
const storedAccepted = stored - storedUnacknowledged
let missingFromArchive = 0
for (const r of accepted) for (let i = 0; i < EVENTS_PER_REQUEST; i++) if (!archivedIds.has(`L-${r}-${i}`)) missingFromArchive++
const result = {
  worker: process.env.LOAD_REV
    ? execFileSync('git', ['rev-parse', '--short', process.env.LOAD_REV], { cwd: root, encoding: 'utf8' }).trim()
    : 'working tree',
  server: `Miniflare ${JSON.parse(readFileSync(join(root, 'node_modules/miniflare/package.json'), 'utf8')).version} on 127.0.0.1 (no dev proxy), queue max_batch_size 100`,
  state_shards: SHARDS,
  clients: CLIENTS,
  events_per_request: EVENTS_PER_REQUEST,
  target_events: EVENTS,
  send_limit_minutes: MINUTES,
  waves,
  requests_per_wave: WAVE_REQUESTS,
  paused_for_drain_between_waves_seconds: +pausedSeconds.toFixed(1),
  events_sent_first_time: stats.first_sends * EVENTS_PER_REQUEST,
  hit_time_limit: stats.first_sends < totalRequests,
  requests: stats.requests,
  first_sends: stats.first_sends,
  resends_same_message_ids: stats.resends,
  retries: stats.retries,
  retried_503: stats.retried_503,
  retried_connection_errors: stats.retried_connection_errors,
  restarted_503: stats.restarted_503,
  given_up: stats.given_up,
  by_status: byStatus,
  samples,
  accepted_requests: accepted.size,
  accepted_events: acceptedEvents,
  accepted_events_answered_incl_resends: acceptedEventsAnswered,
  stored_events: stored,
  stored_events_of_accepted_batches: storedAccepted,
  lost: acceptedEvents - storedAccepted,
  archive_objects: keys.length,
  archive_lines: archiveLines,
  archive_distinct_events: archivedIds.size,
  lost_from_archive: missingFromArchive,
  rollup_user_days_events: rolledUpUserDays,
  rollup_user_event_days_events: rolledUpEventDays,
  duplicated: Math.max(rolledUpUserDays - stored, rolledUpEventDays - stored, 0),
  dead_letters: deadLetters,
  user_grain_rows_in_d1: userGrainRowsInD1,
  // acknowledged events the consumer never wrote before the drain gave up (60 s without progress)
  drain_stalled: stored < acceptedEvents,
  accept_latency_first_attempt_ms: { p50: pct(firstLatencies, 50), p99: pct(firstLatencies, 99), max: pct(firstLatencies, 100) },
  accept_latency_with_retries_ms: { p50: pct(deliveredLatencies, 50), p99: pct(deliveredLatencies, 99) },
  send_seconds: +sendSeconds.toFixed(1),
  accepted_events_per_s_while_sending: Math.round(acceptedEvents / (sendSeconds - pausedSeconds)),
  drained_seconds: +drainedSeconds.toFixed(1),
  drained_events_per_s: Math.round(stored / drainedSeconds),
  workerd_peak_rss_mb: peakRss,
  worker_log_write_failures: (workerLog.match(/ingest write failed/g) ?? []).length,
  worker_log_queue_refusals: (workerLog.match(/ingest queue refused/g) ?? []).length,
}
console.log(`BENCH load ${JSON.stringify(result)}`)
if (process.env.LOAD_LOG) console.log(workerLog)
await mf.dispose()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
