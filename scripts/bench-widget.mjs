// Widget main-thread cost in Chromium (run by `npm run bench`, or alone: `node scripts/bench-widget.mjs [baseline/uptake.js]`
// to compare this build with another one, e.g. a checkout of the previous release, run interleaved on the same machine).
// A host page identifies, groups and tracks; the widget's server is stubbed in the page (page.route), so only the
// browser's work is measured, median of many runs: CPU-profile samples whose stack includes a frame of uptake.js
// (the widget's own work, timers and callbacks included), main-thread CPU time and TaskDuration with vs without the
// widget (CDP metrics), and the exact count of localStorage reads and writes (which machine load cannot blur).
// A floor script (one storage read and write, two fetches) is measured beside it: the browser's fixed costs.
import { existsSync, readFileSync } from 'node:fs'
import { chromium } from 'playwright-core'

const root = new URL('..', import.meta.url).pathname
const corePath = root + 'public/uptake.js'
const baselinePath = process.argv[2]
const RUNS = Number(process.env.BENCH_RUNS ?? 25)
const EVENTS = 100
const ORIGIN = 'http://bench.uptake.test'
const CONFIG = {
  features: [
    { key: 'report.export', name: 'Report Exported', rules: [{ match: 'click', selector: '#export-csv', path: '/reports/**' }] },
    { key: 'invoice.send', name: 'Invoice Sent', rules: [{ match: 'attribute' }] },
  ],
  capture: {
    sessionTimeoutMinutes: 30,
    stripQueryParams: ['token', 'email'],
    respectDoNotTrack: false,
    requireConsent: false,
    captureClicks: true,
  },
  nudges: false,
}

const page = (widget) => `<!doctype html><html><head><meta charset="utf-8"><title>Bench host</title>
<script src="/host.js"></script>
${widget ? '<script async src="/uptake.js" data-write-key="wk_bench"></script>' : ''}
</head><body><main><h1>Invoices</h1><div class="toolbar"><button id="export-csv">Export</button></div>
${'<p>Some text of the host app.</p>'.repeat(50)}</main></body></html>`

// the host's own calls, queued the way an external script of the host does it, before or after uptake.js arrives
const HOST_JS = `window.uptake = window.uptake || [];
uptake.push(['identify', 'u-1', { email: 'ada@acme.test', role: 'admin' }], ['group', 'acme', { name: 'Acme', plan: 'business' }]);
for (var i = 0; i < 5; i++) uptake.push(['track', 'Host Event', { i: i }]);`

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? Math.round((s[s.length >> 1] + s[(s.length - 1) >> 1]) * 50) / 100 : null
}

/** Milliseconds of profile samples with a frame of uptake.js anywhere on the stack. */
function widgetMs(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const mine = new Map()
  const isMine = (id) => {
    if (mine.has(id)) return mine.get(id)
    const n = byId.get(id)
    const v = /\/uptake[^/]*\.js/.test(n.callFrame.url) || (parent.has(id) && isMine(parent.get(id)))
    mine.set(id, v)
    return v
  }
  let us = 0
  profile.samples.forEach((id, i) => isMine(id) && (us += profile.timeDeltas[i]))
  return us / 1000
}

/** Main-thread CPU time (ThreadTime: unaffected by the OS descheduling the renderer) and TaskDuration, in ms. */
async function threadMs(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics')
  const get = (name) => metrics.find((m) => m.name === name).value * 1000
  return { cpu: get('ThreadTime'), task: get('TaskDuration') }
}

async function run(browser, core, { widget, returning }) {
  const context = await browser.newContext()
  let posts = 0
  await context.route(`${ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url())
    if (url.pathname === '/uptake.js') return route.fulfill({ contentType: 'text/javascript', body: core })
    if (url.pathname === '/host.js') return route.fulfill({ contentType: 'text/javascript', body: HOST_JS })
    if (url.pathname === '/v1/config') return route.fulfill({ contentType: 'application/json', body: JSON.stringify(CONFIG) })
    if (url.pathname === '/v1/batch') return (posts++, route.fulfill({ contentType: 'application/json', body: '{"success":true}' }))
    return route.fulfill({ contentType: 'text/html', body: page(widget) })
  })
  // localStorage traffic, counted exactly: the part of the widget's cost that machine load cannot blur
  await context.addInitScript(() => {
    const ops = (window.__storageOps = { reads: 0, writes: 0, bytes: 0 })
    const { getItem, setItem } = Storage.prototype
    Storage.prototype.getItem = function (k) {
      ops.reads++
      return getItem.call(this, k)
    }
    Storage.prototype.setItem = function (k, v) {
      ops.writes++
      ops.bytes += String(v).length
      return setItem.call(this, k, v)
    }
  })
  const tab = await context.newPage()
  const storageOps = () => tab.evaluate(() => ({ ...window.__storageOps }))
  if (returning) {
    // a returning visitor: identity, session and cached config already in localStorage
    await tab.goto(`${ORIGIN}/invoices`)
    await tab.waitForTimeout(2600)
  }
  const cdp = await context.newCDPSession(tab)
  await cdp.send('Performance.enable')
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 })
  const t0 = await threadMs(cdp)
  await cdp.send('Profiler.start')
  await tab.goto(`${ORIGIN}/invoices`)
  await tab.waitForTimeout(2600) // config fetch, the first page view and the first batch (flushed after 2 s)
  const start = widgetMs((await cdp.send('Profiler.stop')).profile)
  const t1 = await threadMs(cdp)
  const task = t1.task - t0.task
  const cpu = t1.cpu - t0.cpu
  const startOps = await storageOps()
  let perEvent = null
  let sync = null
  let eventOps = null
  if (widget) {
    await cdp.send('Profiler.start')
    sync = await tab.evaluate((n) => {
      const t = performance.now()
      for (let i = 0; i < n; i++) window.uptake.track?.('Bench Event', { i, plan: 'business', amount: 1200 })
      return (performance.now() - t) / n
    }, EVENTS)
    await tab.waitForTimeout(2600) // deferred persistence and the batches those events fill
    perEvent = widgetMs((await cdp.send('Profiler.stop')).profile) / EVENTS
    const after = await storageOps()
    eventOps = {
      reads: (after.reads - startOps.reads) / EVENTS,
      writes: (after.writes - startOps.writes) / EVENTS,
      bytes: Math.round((after.bytes - startOps.bytes) / EVENTS),
    }
  }
  await context.close()
  return { start, task, cpu, perEvent, sync, posts, startOps, eventOps }
}

/** Runs every build in turn within each round, so machine load falls on all of them alike. */
async function scenario(browser, cores, returning) {
  const rows = cores.map(() => ({
    start: [],
    taskWith: [],
    taskWithout: [],
    cpuWith: [],
    cpuWithout: [],
    perEvent: [],
    sync: [],
    ops: null,
  }))
  for (const core of cores) await run(browser, core, { widget: true, returning }) // warm-up (first compile, disk cache), not counted
  for (let i = 0; i < RUNS; i++) {
    for (const [k, core] of cores.entries()) {
      const w = await run(browser, core, { widget: true, returning })
      const o = await run(browser, core, { widget: false, returning })
      if (!w.posts && core !== FLOOR) throw new Error('the widget sent nothing: the benchmark page is broken')
      rows[k].start.push(w.start)
      rows[k].taskWith.push(w.task)
      rows[k].taskWithout.push(o.task)
      rows[k].ops = { startup: w.startOps, per_event: w.eventOps }
      rows[k].cpuWith.push(w.cpu)
      rows[k].cpuWithout.push(o.cpu)
      rows[k].perEvent.push(w.perEvent)
      rows[k].sync.push(w.sync)
    }
  }
  return rows.map((r) => ({
    runs: RUNS,
    startup_widget_ms: median(r.start),
    startup_task_delta_ms: median(r.taskWith.map((t, i) => t - r.taskWithout[i])),
    task_with_ms: median(r.taskWith),
    task_without_ms: median(r.taskWithout),
    startup_thread_cpu_delta_ms: median(r.cpuWith.map((t, i) => t - r.cpuWithout[i])),
    per_event_widget_ms: median(r.perEvent),
    per_event_sync_ms: median(r.sync),
    storage_ops: r.ops,
  }))
}

/**
 * The floor: what any widget that keeps state in localStorage and talks to a server pays on this machine (one
 * storage read and write, the config fetch, one POST), served as uptake.js so it is measured the same way.
 */
const FLOOR = `(function(){localStorage.getItem('uptake:identity');fetch('/v1/config?writeKey=wk').then(function(r){return r.json()})
.then(function(c){localStorage.setItem('uptake:config',JSON.stringify(c));setTimeout(function(){fetch('/v1/batch',{method:'POST',
body:JSON.stringify({batch:[{type:'page'}]}),keepalive:true,headers:{'Content-Type':'text/plain'}})},2000)})})()`

const paths = [corePath, ...(baselinePath ? [baselinePath] : [])]
for (const p of paths) if (!existsSync(p)) throw new Error(`${p} is missing: run \`npm run build:widget\` first`)
const cores = [...paths.map((p) => readFileSync(p, 'utf8')), FLOOR]
paths.push('floor (1 storage read + write, 2 fetches)')
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
})
try {
  const first = await scenario(browser, cores, false)
  const again = await scenario(browser, cores, true)
  const result = paths.map((p, k) => ({ core: p.replace(root, ''), first_visit: first[k], returning_visit: again[k] }))
  for (const r of result) {
    console.log(
      `${r.core}: start-up (CPU samples in uptake.js) first visit ${r.first_visit.startup_widget_ms} ms, returning ${r.returning_visit.startup_widget_ms} ms; ` +
        `main-thread CPU with − without widget ${r.first_visit.startup_thread_cpu_delta_ms} / ${r.returning_visit.startup_thread_cpu_delta_ms} ms; ` +
        `TaskDuration with − without ${r.first_visit.startup_task_delta_ms} / ${r.returning_visit.startup_task_delta_ms} ms; ` +
        `per event ${r.first_visit.per_event_widget_ms} ms (synchronous part ${r.first_visit.per_event_sync_ms} ms); ` +
        `localStorage at start-up ${JSON.stringify(r.first_visit.storage_ops.startup)}, per event ${JSON.stringify(r.first_visit.storage_ops.per_event)}`,
    )
  }
  console.log(`BENCH widget_main_thread ${JSON.stringify(result.length > 1 ? result : result[0])}`)
} finally {
  await browser.close()
}
