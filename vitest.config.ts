import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import ConsoleLastSequencer from './tests/e2e/sequencer'

/**
 * Four projects: worker tests inside workerd on a real local D1, pure-logic unit tests in node,
 * widget tests in a DOM, and end-to-end tests driving Debian Chromium against `wrangler dev`.
 */
/** Extra D1 databases of the bench project only: one per shard of the 1-, 2- and 4-shard runs. */
const SHARD_DBS = Array.from({ length: 7 }, (_, i) => `SHARD_DB_${i}`)

export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations')
  return {
    test: {
      // e2e console files last: their history server seeds in the background meanwhile (tests/e2e/console-server.ts)
      sequence: { sequencer: ConsoleLastSequencer },
      // vitest's default is one worker per core minus one, i.e. everything in one line on a 2-core CI machine; the
      // e2e files (one after another, mostly waiting on a browser and a dev server) then overlap the worker and unit files
      maxWorkers: 2,
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: './wrangler.toml' },
              // ingest writes inline so a test reads what it sent at once; tests/worker/ingest-queue.test.ts drives the queue
              miniflare: { bindings: { TEST_MIGRATIONS: migrations, INGEST_DIRECT: 'true' } },
            }),
          ],
          test: { name: 'worker', include: ['tests/worker/**/*.test.ts'], setupFiles: ['tests/worker/apply-migrations.ts'] },
        },
        {
          // benchmarks inside workerd: only `npm run bench` runs this project
          plugins: [
            cloudflareTest({
              wrangler: { configPath: './wrangler.toml' },
              // SHARD_DB_*: empty D1 databases for bench/shards.bench.test.ts (1 + 2 + 4 shards, each run on its own)
              // BENCH_EDGE_QUEUE: a real queue with no consumer, so bench/ingest.bench.test.ts times the edge's send alone
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations },
                d1Databases: SHARD_DBS,
                queueProducers: { BENCH_EDGE_QUEUE: { queueName: 'uptake-bench-edge' } },
              },
            }),
          ],
          test: {
            name: 'bench',
            include: ['bench/**/*.bench.test.ts'],
            setupFiles: ['tests/worker/apply-migrations.ts'],
            testTimeout: 600_000,
          },
        },
        { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
        {
          define: {
            __UPTAKE_VERSION__: '"test"',
            __UPTAKE_NUDGES__: '"uptake-nudges.js"',
            __UPTAKE_NUDGES_SRI__: '"sha256-test"',
            __UPTAKE_BUILDER__: '"uptake-builder.js"',
            __UPTAKE_BUILDER_SRI__: '"sha256-test"',
            __UPTAKE_TOURS__: '"uptake-tours.js"',
            __UPTAKE_TOURS_SRI__: '"sha256-test"',
          },
          test: { name: 'widget', include: ['tests/widget/**/*.test.{ts,tsx}'], environment: 'happy-dom' },
        },
        {
          test: {
            name: 'e2e',
            include: ['tests/e2e/**/*.test.ts'],
            environment: 'node',
            testTimeout: 60_000,
            hookTimeout: 120_000,
            fileParallelism: false,
            globalSetup: ['tests/e2e/global-setup.ts'],
          },
        },
      ],
    },
  }
})
