import { createApp } from './app'
import type { Bindings } from './env'
import { dailyRun } from './scoring/run'

const app = createApp()

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(dailyRun(env.DB, controller.scheduledTime).then((r) => console.log('daily run', JSON.stringify(r))))
  },
} satisfies ExportedHandler<Bindings>
