// Creates a project and its three keys and prints the keys once (only their hashes are stored).
//   Through a running deployment (preferred; needs the operator secret set with `wrangler secret put UPTAKE_OPERATOR_KEY`):
//     UPTAKE_OPERATOR_KEY=… node scripts/create-project.mjs --url https://uptake.example.com --name "My product" [--id my-product] [--shards 4]
//   Straight into D1 with wrangler (--remote or --local), e.g. before the first deploy:
//     node scripts/create-project.mjs --remote --name "My product" [--id my-product]
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    id: { type: 'string' },
    url: { type: 'string' },
    remote: { type: 'boolean' },
    local: { type: 'boolean' },
    // state_shards: account shards for the project's per-user state (ARCHITECTURE.md §11); fixed for the project's life
    shards: { type: 'string', default: '1' },
  },
})
const modes = [values.url, values.remote, values.local].filter(Boolean).length
if (!values.name || modes !== 1) {
  console.error(
    'usage: node scripts/create-project.mjs (--url https://… | --remote | --local) --name "My product" [--id slug] [--shards N]',
  )
  process.exit(2)
}
const shards = Number(values.shards)
if (![1, 2, 4, 8, 16, 32, 64, 128, 256].includes(shards)) {
  console.error('--shards must be a power of two from 1 to 256')
  process.exit(2)
}
const id =
  values.id ??
  values.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '')
if (!/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(id)) {
  console.error('the project id must be 1-64 of a-z, 0-9 and -, not starting or ending with -')
  process.exit(2)
}

function printKeys(keys) {
  console.log(`\nProject ${id} created. Keys (shown once, only their hashes are stored):`)
  console.log(`  write (public, for the widget and backends): ${keys.write}`)
  console.log(`  read  (CS API, read-only):                   ${keys.read}`)
  console.log(`  admin (CS + admin API):                      ${keys.admin}`)
}

async function viaApi(base) {
  const operatorKey = process.env.UPTAKE_OPERATOR_KEY
  if (!operatorKey) {
    console.error("set UPTAKE_OPERATOR_KEY in the environment (the same secret as the deployment's) to create a project through the API")
    process.exit(2)
  }
  const res = await fetch(new URL('/api/v1/projects', base), {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: values.name, id, state_shards: shards }),
  })
  const body = await res.json().catch(() => ({}))
  if (res.status !== 201) {
    console.error(`POST /api/v1/projects answered ${res.status}: ${body.error?.message ?? JSON.stringify(body)}`)
    process.exit(1)
  }
  printKeys(Object.fromEntries(body.keys.map((k) => [k.kind, k.secret])))
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const BUSY = /SQLITE_BUSY|database is locked/i

async function viaWrangler() {
  const key = (prefix) => `${prefix}_${randomBytes(24).toString('base64url')}`
  const keys = { write: key('wk'), read: key('rk'), admin: key('sk') }
  const sha256 = (s) => createHash('sha256').update(s).digest('hex')
  const quote = (s) => `'${String(s).replace(/'/g, "''")}'`
  const now = Date.now()
  // wrangler d1 execute takes no bound parameters; every value here is generated or quoted above.
  const sql = [
    `INSERT INTO projects (id, name, created_at, state_shards) VALUES (${quote(id)}, ${quote(values.name)}, ${now}, ${shards});`,
    ...Object.entries(keys).map(
      ([kind, k]) =>
        `INSERT INTO api_keys (key_hash, project_id, kind, label, created_at, id, last4) VALUES ('${sha256(k)}', ${quote(id)}, '${kind}', '${kind} key', ${now}, 'key_${randomBytes(8).toString('hex')}', ${quote(k.slice(-4))});`,
    ),
  ].join('\n')
  const wrangler = new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url).pathname
  // a running `wrangler dev` or ingest can hold the local database for a moment: retry with backoff
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync(process.execPath, [wrangler, 'd1', 'execute', 'DB', values.remote ? '--remote' : '--local', '--command', sql], {
        stdio: ['ignore', 'inherit', 'pipe'],
        encoding: 'utf8',
      })
      break
    } catch (err) {
      const output = `${err.stderr ?? ''}${err.stdout ?? ''}${err.message}`
      if (!BUSY.test(output) || attempt >= 6) {
        process.stderr.write(err.stderr ?? '')
        process.exit(1)
      }
      const wait = 250 * 2 ** attempt
      console.error(`database busy, retrying in ${wait} ms (attempt ${attempt} of 6)`)
      await sleep(wait)
    }
  }
  printKeys(keys)
}

await (values.url ? viaApi(values.url) : viaWrangler())
