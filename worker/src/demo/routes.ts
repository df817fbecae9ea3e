import { Hono } from 'hono'
import type { AppEnv } from '../http/env'

/** The demo SaaS app is a client-routed page: every /demo/* path serves its shell. */
export const demoRoutes = new Hono<AppEnv>()

demoRoutes.get('/*', (c) => {
  const url = new URL(c.req.url)
  url.pathname = '/demo/index.html'
  return c.env.ASSETS.fetch(new Request(url.toString()))
})
