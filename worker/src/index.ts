import { createApp } from './app'
import type { Bindings } from './http/env'
import { consumeDeadLetters, consumeIngest, INGEST_DLQ } from './ingest'
import { dailyRun } from './jobs'
export { AccountShard } from './shards'

const app = createApp()

export default {
  fetch: app.fetch,
  // one worker consumes both queues (wrangler.toml): the ingest queue and its dead-letter queue
  async queue(batch, env) {
    if (batch.queue.startsWith(INGEST_DLQ)) await consumeDeadLetters(batch, env)
    else await consumeIngest(batch, env)
  },
  async scheduled(controller, env, ctx) {
    // logged and rethrown: the Cron Trigger's outcome stays "exception" for monitoring, with the reason in the log
    ctx.waitUntil(
      dailyRun(env.DB, controller.scheduledTime, env.RAW_EVENTS).then(
        (r) => console.log('daily run', JSON.stringify(r)),
        (e) => {
          console.error('daily run failed', e)
          throw e
        },
      ),
    )
  },
} satisfies ExportedHandler<Bindings>
