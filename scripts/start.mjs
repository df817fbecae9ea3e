// `npm start`: build the widget, migrate and seed the local D1, and serve everything on 127.0.0.1:8787.
import { prepareDatabase, seedDemo, startWrangler, waitForServer } from './local-server.mjs'

const port = Number(process.env.PORT ?? 8787)
const base = `http://127.0.0.1:${port}`

prepareDatabase()
const child = startWrangler({ port, quiet: false })
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    // already gone
  }
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
await waitForServer(base, child)
const n = await seedDemo(base)
console.log(`
  Uptake is running on ${base}
    demo app:     ${base}/demo
    widget:       ${base}/uptake.js
    CS API:       curl -H 'Authorization: Bearer sk_demo' ${base}/api/v1/accounts
    daily job:    curl ${base}/__scheduled   (scores every project now, as the Cron Trigger does)
  Demo seeded with ${n} historical events (write key wk_demo, admin key sk_demo, read key rk_demo).
  Ctrl-C to stop.
`)
