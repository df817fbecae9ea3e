// Loopback load on the local dev server (`wrangler dev`, as `npm start` runs it): CLIENTS concurrent keep-alive
// clients, each sending ROUNDS rounds of ingest and reads, to 127.0.0.1 only. Counts answers by status, dev-proxy
// 503s ("Your worker restarted mid-request"), worker reloads in the dev server's log and workerd memory.
// Usage: node scripts/bench-dev-load.mjs [clients=200] [rounds=5]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_READ_KEY, DEMO_WRITE_KEY } from './demo-data.mjs'
import { startLocalServer } from './local-server.mjs'

const CLIENTS = Number(process.argv[2] ?? 200)
const ROUNDS = Number(process.argv[3] ?? 5)
const port = 20000 + Math.floor(Math.random() * 20000)
const persistTo = mkdtempSync(join(tmpdir(), 'uptake-load-'))

/** Resident memory (MB) of every process in the dev server's group, workerd included. */
function groupRssMb(pgid) {
  try {
    const out = execFileSync('ps', ['-o', 'pgid=,rss=,comm=', '-e'], { encoding: 'utf8' })
    const rows = out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((r) => Number(r[0]) === pgid)
    return Object.fromEntries(rows.map((r) => [r[2], Math.round(Number(r[1]) / 1024)]))
  } catch {
    return {}
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS })

function request(method, path, headers = {}, body) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', (e) => resolve({ status: 0, body: e.code ?? e.message }))
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')))
    if (body) req.write(body)
    req.end()
  })
}

const now = () => new Date().toISOString()
const calls = {
  ingest: (c, r) =>
    request(
      'POST',
      '/v1/batch',
      { 'content-type': 'text/plain' },
      JSON.stringify({
        writeKey: DEMO_WRITE_KEY,
        sentAt: now(),
        batch: Array.from({ length: 5 }, (_, i) => ({
          type: 'track',
          messageId: `load-${port}-${c}-${r}-${i}`,
          userId: `load-u${c % 40}`,
          event: 'Invoice Created',
          timestamp: now(),
          context: { groupId: `load-a${c % 8}` },
        })),
      }),
    ),
  config: () => request('GET', `/v1/config?writeKey=${DEMO_WRITE_KEY}`),
  accounts: () => request('GET', '/api/v1/accounts?limit=50', { authorization: `Bearer ${DEMO_READ_KEY}` }),
  health: () => request('GET', '/api/v1/health/accounts?limit=50', { authorization: `Bearer ${DEMO_READ_KEY}` }),
}

const { base, stop, child } = await startLocalServer({ port, persistTo, seed: true, history: false, output: 'pipe' })
let log = ''
child.stdout.on('data', (d) => (log += d))
child.stderr.on('data', (d) => (log += d))
const rssBefore = groupRssMb(child.pid)
const counts = {}
const samples = {}
let accepted = 0
const started = Date.now()
await Promise.all(
  Array.from({ length: CLIENTS }, async (_, c) => {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, call] of Object.entries(calls)) {
        const res = await call(c, r)
        const key = `${name} ${res.status}`
        counts[key] = (counts[key] ?? 0) + 1
        if (res.status !== 200) samples[key] ??= res.body.slice(0, 160)
        else if (name === 'ingest') accepted += JSON.parse(res.body).accepted ?? 0
      }
    }
  }),
)
const seconds = (Date.now() - started) / 1000
const scheduled = await request('GET', '/__scheduled')
const cdnScheduled = await request('GET', '/cdn-cgi/handler/scheduled')
const rssAfter = groupRssMb(child.pid)
agent.destroy()
stop()
rmSync(persistTo, { recursive: true, force: true })

const total = Object.values(counts).reduce((a, b) => a + b, 0)
const result = {
  clients: CLIENTS,
  rounds: ROUNDS,
  requests: total,
  seconds,
  requests_per_s: Math.round(total / seconds),
  by_status: Object.fromEntries(Object.entries(counts).sort()),
  events_sent: CLIENTS * ROUNDS * 5,
  events_accepted: accepted,
  restarted_mid_request: Object.entries(samples)
    .filter(([, b]) => b.includes('restarted mid-request'))
    .map(([k]) => k),
  reloads_in_log: (log.match(/Reloading local server/g) ?? []).length,
  errors_in_log: (log.match(/\[ERROR\]|Uncaught|unhandled/gi) ?? []).length,
  scheduled: scheduled.status,
  cdn_cgi_scheduled: cdnScheduled.status,
  rss_mb_before: rssBefore,
  rss_mb_after: rssAfter,
  samples,
}
console.log(`BENCH dev_load ${JSON.stringify(result)}`)
if (process.env.DEV_LOAD_LOG) console.log(log)
process.exit(0)
