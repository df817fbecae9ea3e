// Compressed sizes of the widget bundles and of peer products' browser bundles, measured the same way.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const root = new URL('..', import.meta.url).pathname

/** Budgets in gzip bytes, checked in CI (issue 3: core ≤ 5 KB; issue 5: core + nudge UI ≤ 15 KB; issue 11: tours ≤ 6 KB). */
export const BUDGETS = { core: 5 * 1024, total: 15 * 1024, builder: 30 * 1024, tours: 6 * 1024, console: 80 * 1024 }

export function compressed(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  }
}

/** `gzip -9 -c <file>` as a person checking the budget measures it (its header holds the file name); null without gzip. */
function gzipCli(full) {
  try {
    return execFileSync('gzip', ['-9', '-c', full], { maxBuffer: 1 << 26 }).length
  } catch {
    return null
  }
}

/** A file's sizes; its gzip figure is the larger of zlib's and the gzip tool's, so the budget holds by either count. */
export function fileSize(path) {
  const full = root + path
  if (!existsSync(full)) return null
  const sizes = compressed(readFileSync(full))
  return { ...sizes, gzip: Math.max(sizes.gzip, gzipCli(full) ?? 0) }
}

/** The nudge chunk's file name in public/ (content-hashed: `uptake-nudges.<hash>.js`); null when not built. */
export function nudgeChunkName() {
  const files = readdirSync(root + 'public').filter((f) => /^uptake-nudges\.[\w-]+\.js$/.test(f))
  if (files.length > 1)
    throw new Error(`public/ holds ${files.length} nudge chunks (${files.join(', ')}): rebuild with \`npm run build:widget\``)
  return files[0] ?? null
}

/** A lazily loaded chunk's file name in public/ (`uptake-<name>.<hash>.js`); null when not built. */
export function chunkName(name) {
  const files = readdirSync(root + 'public').filter((f) => new RegExp(`^uptake-${name}\\.[\\w-]+\\.js$`).test(f))
  if (files.length > 1)
    throw new Error(`public/ holds ${files.length} ${name} chunks (${files.join(', ')}): rebuild with \`npm run build:widget\``)
  return files[0] ?? null
}

export function widgetSizes() {
  const core = fileSize('public/uptake.js')
  const chunk = nudgeChunkName()
  const nudges = chunk && fileSize(`public/${chunk}`)
  const builderFile = chunkName('builder')
  const builder = builderFile && fileSize(`public/${builderFile}`)
  const toursFile = chunkName('tours')
  const tours = toursFile && fileSize(`public/${toursFile}`)
  return { core, nudges, nudgesFile: chunk, totalGzip: (core?.gzip ?? 0) + (nudges?.gzip ?? 0), builder, builderFile, tours, toursFile }
}

/**
 * The CS console's first load (issue 10: ≤ 80 KB gzip): public/dashboard/index.html and every script and stylesheet
 * it references (entry, preloaded chunks, CSS), each gzipped as served; views loaded later are counted apart.
 * Null when the console is not built.
 */
export function consoleSizes() {
  const dir = root + 'public/dashboard/'
  if (!existsSync(dir + 'index.html')) return null
  const html = readFileSync(dir + 'index.html', 'utf8')
  const initial = [...new Set([...html.matchAll(/(?:src|href)="\/dashboard\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]))]
  const size = (f) => ({ file: f, ...compressed(readFileSync(dir + f)) })
  const first = [size('index.html'), ...initial.map(size)]
  const later = readdirSync(dir + 'assets')
    .map((f) => `assets/${f}`)
    .filter((f) => !initial.includes(f) && /\.(js|css)$/.test(f))
    .map(size)
  const sum = (xs) => xs.reduce((a, x) => a + x.gzip, 0)
  return { first, firstGzip: sum(first), later, laterGzip: sum(later) }
}

async function minified(path) {
  const { transform } = await import('esbuild')
  const out = await transform(readFileSync(root + path, 'utf8'), { minify: true, loader: path.endsWith('.css') ? 'css' : 'js' })
  return Buffer.from(out.code)
}

/** Peers' shipped browser bundles (already minified, except Shepherd's ESM build, minified here with esbuild). */
export async function peerSizes() {
  const shepherd = Buffer.concat([
    await minified('node_modules/shepherd.js/dist/js/shepherd.mjs'),
    await minified('node_modules/shepherd.js/dist/css/shepherd.css'),
  ])
  const sum = (...parts) =>
    parts.reduce((a, p) => ({ raw: a.raw + p.raw, gzip: a.gzip + p.gzip, brotli: a.brotli + p.brotli }), { raw: 0, gzip: 0, brotli: 0 })
  const posthogCore = fileSize('node_modules/posthog-js/dist/array.js')
  return {
    'posthog-js (array.js, capture core)': posthogCore,
    'posthog-js + product-tours + surveys chunks': sum(
      posthogCore,
      fileSize('node_modules/posthog-js/dist/product-tours.js'),
      fileSize('node_modules/posthog-js/dist/surveys.js'),
    ),
    '@segment/analytics-next (standalone.js)': fileSize('node_modules/@segment/analytics-next/dist/umd/standalone.js'),
    'shepherd.js (js + css, minified)': compressed(shepherd),
  }
}
