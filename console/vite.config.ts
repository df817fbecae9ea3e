import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/**
 * The CS console: a Preact single-page app built into public/dashboard/ (index.html + content-hashed assets),
 * served by the worker's static assets; deep links fall back to index.html in the worker (worker/src/console).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../public/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // no inline polyfill script: the CSP for /dashboard/* allows only 'self' scripts, and es2022 browsers have modulepreload
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
})
