import { createApp } from './app'
import type { Bindings } from './http/env'
import { consumeDeadLetters, consumeIngest, INGEST_DLQ } from './ingest'
import { consumeScoring, dailyRun, SCORING_QUEUE_NAME } from './jobs'
export { AccountShard } from './shards/account-shard'

const app = createApp()

export default {
  fetch: app.fetch,
  // one worker consumes every queue (wrangler.toml): ingest, its dead-letter queue, and the scoring fan-out
  async queue(batch, env) {
    if (batch.queue.startsWith(SCORING_QUEUE_NAME)) await consumeScoring(batch, env)
    else if (batch.queue.startsWith(INGEST_DLQ)) await consumeDeadLetters(batch, env)
    else await consumeIngest(batch, env)
  },
  async scheduled(controller, env, ctx) {
    // logged and rethrown: the Cron Trigger's outcome stays "exception" for monitoring, with the reason in the log
    ctx.waitUntil(
      dailyRun(env.DB, controller.scheduledTime, env.RAW_EVENTS, env.SCORING_QUEUE, env.ACCOUNT_SHARDS).then(
        (r) => console.log('daily run', JSON.stringify(r)),
        (e) => {
          console.error('daily run failed', e)
          throw e
        },
      ),
    )
  },
} satisfies ExportedHandler<Bindings>
