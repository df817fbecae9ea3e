// Creates a project and its three keys in the D1 database (--local or --remote) and prints the keys once.
// Usage: node scripts/create-project.mjs --remote --name "My product" [--id my-product]
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { name: { type: 'string' }, id: { type: 'string' }, remote: { type: 'boolean' }, local: { type: 'boolean' } },
})
if (!values.name || values.remote === values.local) {
  console.error('usage: node scripts/create-project.mjs (--remote | --local) --name "My product" [--id slug]')
  process.exit(2)
}
const id = values.id ?? values.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
if (!/^[a-z0-9-]{1,64}$/.test(id)) {
  console.error('the project id must be 1-64 of a-z, 0-9 and -')
  process.exit(2)
}
const key = (prefix) => `${prefix}_${randomBytes(24).toString('base64url')}`
const keys = { write: key('wk'), read: key('rk'), admin: key('sk') }
const sha256 = (s) => createHash('sha256').update(s).digest('hex')
const quote = (s) => `'${String(s).replace(/'/g, "''")}'`
const now = Date.now()
// wrangler d1 execute takes no bound parameters; every value here is generated or quoted above.
const sql = [
  `INSERT INTO projects (id, name, created_at) VALUES (${quote(id)}, ${quote(values.name)}, ${now});`,
  ...Object.entries(keys).map(([kind, k]) => `INSERT INTO api_keys (key_hash, project_id, kind, label, created_at) VALUES ('${sha256(k)}', ${quote(id)}, '${kind}', '${kind} key', ${now});`),
].join('\n')
const wrangler = new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url).pathname
execFileSync(process.execPath, [wrangler, 'd1', 'execute', 'DB', values.remote ? '--remote' : '--local', '--command', sql], { stdio: 'inherit' })
console.log(`\nProject ${id} created. Keys (shown once, only their hashes are stored):`)
console.log(`  write (public, for the widget and backends): ${keys.write}`)
console.log(`  read  (CS API, read-only):                   ${keys.read}`)
console.log(`  admin (CS + admin API):                      ${keys.admin}`)
