import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { defineConfig, type Plugin } from 'vite'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const out = new URL('../public/', import.meta.url).pathname

/**
 * Lazily loaded chunks (`--mode <name>`, each built before the core): entry, IIFE global name, and the define
 * prefix the core reads their file name and integrity from (`__UPTAKE_NUDGES__`, `__UPTAKE_NUDGES_SRI__`).
 */
const CHUNKS: Record<string, { entry: string; global: string; define: string; loads?: string[] }> = {
  builder: { entry: 'widget/src/builder/index.tsx', global: 'uptakeBuilder', define: 'BUILDER' },
  // the nudge chunk loads the builder in authoring mode (so the core pays nothing for it): built after it
  // tours and the launcher (plain DOM, no Preact): loaded by the nudge chunk only when a tour is due or the launcher is on
  tours: { entry: 'widget/src/tours/index.ts', global: 'uptakeTours', define: 'TOURS' },
  nudges: { entry: 'widget/src/nudges/index.tsx', global: 'uptakeNudges', define: 'NUDGES', loads: ['builder', 'tours'] },
}
/** What the core loads itself. */
const CORE_LOADS = ['nudges']
/** A chunk's content-hashed file (`uptake-<name>.<hash>.js`), or unhashed as older builds wrote it. */
const chunkFile = (name: string) => new RegExp(`^uptake-${name}(\\.[\\w-]+)?\\.js(\\.map)?$`)

/** Removes earlier builds of a chunk before a new one is written, so public/ holds exactly one. */
const cleanChunks = (name: string): Plugin => ({
  name: 'uptake-clean-chunks',
  buildStart() {
    for (const f of readdirSync(out)) if (chunkFile(name).test(f)) rmSync(out + f)
  },
})

/** A built chunk's file name and SRI hash, which the core is compiled with. */
function builtChunk(name: string) {
  const files = readdirSync(out).filter((f) => chunkFile(name).test(f) && f.endsWith('.js'))
  if (files.length !== 1)
    throw new Error(`expected one ${name} chunk in public/, found ${files.length}: build it first (vite build --mode ${name})`)
  const integrity = `sha256-${createHash('sha256')
    .update(readFileSync(out + files[0]))
    .digest('base64')}`
  return { file: files[0], integrity }
}

/**
 * Self-contained IIFE bundles into public/: the lazily loaded chunks (`--mode builder`, then `--mode nudges`, built
 * first, named by their content hash so they can be cached forever) and the capture core (`uptake.js`, default mode).
 * Whatever loads a chunk does so only when needed and learns its name and integrity here, at build time.
 */
export default defineConfig(({ mode }) => {
  const chunk = CHUNKS[mode]
  const defines: Record<string, string> = {}
  for (const name of chunk ? (chunk.loads ?? []) : CORE_LOADS) {
    const built = builtChunk(name)
    defines[`__UPTAKE_${CHUNKS[name].define}__`] = JSON.stringify(built.file)
    defines[`__UPTAKE_${CHUNKS[name].define}_SRI__`] = JSON.stringify(built.integrity)
  }
  return {
    define: { __UPTAKE_VERSION__: JSON.stringify(pkg.version), ...defines },
    publicDir: false,
    plugins: chunk ? [cleanChunks(mode)] : [],
    build: {
      outDir: 'public',
      emptyOutDir: false,
      // es2022 keeps ?., ?? and class fields native (no defineProperty helpers): every browser with keepalive fetch supports them
      target: 'es2022',
      minify: true,
      sourcemap: false,
      lib: {
        entry: chunk ? chunk.entry : 'widget/src/index.ts',
        formats: ['iife'],
        name: chunk ? chunk.global : 'uptakeCore',
        fileName: () => (chunk ? `uptake-${mode}.[hash].js` : 'uptake.js'),
      },
    },
  }
})
