import { createApp } from './app'
import type { Bindings } from './http/env'
import { dailyRun } from './jobs'
export { AccountShard } from './shards'

const app = createApp()

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    // logged and rethrown: the Cron Trigger's outcome stays "exception" for monitoring, with the reason in the log
    ctx.waitUntil(
      dailyRun(env.DB, controller.scheduledTime).then(
        (r) => console.log('daily run', JSON.stringify(r)),
        (e) => {
          console.error('daily run failed', e)
          throw e
        },
      ),
    )
  },
} satisfies ExportedHandler<Bindings>
