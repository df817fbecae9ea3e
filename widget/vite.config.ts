import { readFileSync } from 'node:fs'
import { defineConfig } from 'vite'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/**
 * Two self-contained IIFE bundles into public/: the capture core (`uptake.js`, default mode) and the
 * nudge UI (`uptake-nudges.js`, `--mode nudges`), which the core loads only when a nudge is due.
 */
export default defineConfig(({ mode }) => {
  const nudges = mode === 'nudges'
  return {
    define: { __UPTAKE_VERSION__: JSON.stringify(pkg.version) },
    publicDir: false,
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
        fileName: () => (nudges ? 'uptake-nudges.js' : 'uptake.js'),
      },
    },
  }
})
