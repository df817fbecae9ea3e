import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { defineConfig, type Plugin } from 'vite'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const out = new URL('../public/', import.meta.url).pathname
/** The nudge chunk, content-hashed (`uptake-nudges.<hash>.js`), or unhashed as older builds wrote it. */
const NUDGE_CHUNK = /^uptake-nudges(\.[\w-]+)?\.js(\.map)?$/

/** Removes earlier nudge chunks before a new one is written, so public/ holds exactly one. */
const cleanChunks: Plugin = {
  name: 'uptake-clean-chunks',
  buildStart() {
    for (const f of readdirSync(out)) if (NUDGE_CHUNK.test(f)) rmSync(out + f)
  },
}

/** The built nudge chunk's file name and SRI hash, which the core is compiled with. */
function nudgeChunk() {
  const files = readdirSync(out).filter((f) => NUDGE_CHUNK.test(f) && f.endsWith('.js'))
  if (files.length !== 1)
    throw new Error(`expected one nudge chunk in public/, found ${files.length}: build it first (vite build --mode nudges)`)
  const integrity = `sha256-${createHash('sha256')
    .update(readFileSync(out + files[0]))
    .digest('base64')}`
  return { name: files[0], integrity }
}

/**
 * Two self-contained IIFE bundles into public/: the nudge UI (`--mode nudges`, built first, named by its content
 * hash so it can be cached forever) and the capture core (`uptake.js`, default mode), which loads that chunk only
 * when a nudge is due and learns its name and integrity here, at build time.
 */
export default defineConfig(({ mode }) => {
  const nudges = mode === 'nudges'
  const chunk = nudges ? null : nudgeChunk()
  return {
    define: {
      __UPTAKE_VERSION__: JSON.stringify(pkg.version),
      ...(chunk ? { __UPTAKE_NUDGES__: JSON.stringify(chunk.name), __UPTAKE_NUDGES_SRI__: JSON.stringify(chunk.integrity) } : {}),
    },
    publicDir: false,
    plugins: nudges ? [cleanChunks] : [],
    build: {
      outDir: 'public',
      emptyOutDir: false,
      // es2022 keeps ?., ?? and class fields native (no defineProperty helpers): every browser with keepalive fetch supports them
      target: 'es2022',
      minify: true,
      sourcemap: false,
      lib: {
        entry: nudges ? 'widget/src/nudges/index.tsx' : 'widget/src/index.ts',
        formats: ['iife'],
        name: nudges ? 'uptakeNudges' : 'uptakeCore',
        fileName: () => (nudges ? 'uptake-nudges.[hash].js' : 'uptake.js'),
      },
    },
  }
})
