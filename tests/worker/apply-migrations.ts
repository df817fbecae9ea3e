import { applyD1Migrations, env } from 'cloudflare:test'

// Setup files run outside per-test-file storage isolation, so migrations apply once per file's storage.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
