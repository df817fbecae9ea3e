import { env, SELF } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { nudgeDefinitionSchema } from '../shared/nudges'
import { newProject } from '../tests/worker/fixtures'
import { toNudge } from '../worker/src/nudges/definition'
import { upsertNudge } from '../worker/src/nudges/store'
import { daysAgo } from '../worker/src/lib/days'

const USERS = 10_000
const NUDGES = 50
const REQUESTS = 400

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]
const r2 = (x: number) => Math.round(x * 100) / 100

it('measures nudge decision latency with 10k users and 50 nudges', async () => {
  const p = await newProject('nudge-bench')
  const now = Date.now()
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO accounts (project_id, id, name, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 1000)
      SELECT ?1, 'a' || i, 'A' || i, json_object('plan', CASE i % 3 WHEN 0 THEN 'trial' ELSE 'team' END), ?2, ?2 FROM n`,
    ).bind(p.id, now - 40 * 86_400_000),
    env.DB.prepare(
      `INSERT INTO users (project_id, id, account_id, traits_json, first_seen, last_seen)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'u' || i, 'a' || (i % 1000), json_object('role', CASE i % 5 WHEN 0 THEN 'admin' ELSE 'member' END), ?3, ?3 FROM n`,
    ).bind(p.id, USERS, now - 40 * 86_400_000),
    ...Array.from({ length: 10 }, (_, f) =>
      env.DB.prepare(
        `INSERT INTO features (project_id, key, name, kind, core, rules_json, created_at, updated_at) VALUES (?1, ?2, ?2, 'feature', 1, '[]', 0, 0)`,
      ).bind(p.id, `f${f}`),
    ),
    ...Array.from({ length: 5 }, (_, d) =>
      env.DB.prepare(
        `INSERT INTO user_feature_days (project_id, user_id, feature_key, day, account_id, n, amount)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
      SELECT ?1, 'u' || i, 'f' || ((i + ?4) % 10), ?3, 'a' || (i % 1000), 1, 0 FROM n`,
      ).bind(p.id, USERS, daysAgo(now, d * 3), d),
    ),
  ])
  const kinds = ['banner', 'modal', 'checklist', 'nps', 'tooltip'] as const
  for (let i = 0; i < NUDGES; i++) {
    const kind = kinds[i % kinds.length]
    const def = nudgeDefinitionSchema.parse({
      kind,
      title: { default: `n${i}` },
      body: { default: 'b' },
      priority: i,
      target_feature: `f${i % 10}`,
      anchor: kind === 'tooltip' ? '#x' : undefined,
      steps: kind === 'checklist' ? [{ feature: 'f1', label: { default: 's' } }] : undefined,
      targeting: {
        path: i % 2 ? '/app/**' : undefined,
        account_attributes: i % 4 === 0 ? [{ attribute: 'plan', op: '==', value: 'trial' }] : undefined,
        min_days_since_signup: i % 3,
      },
    })
    await upsertNudge(env.DB, p.id, toNudge(`n${i}`, def), now)
  }
  const times: number[] = []
  for (let r = -20; r < REQUESTS; r++) {
    const user = `u${(r * 7919 + 13) % USERS}`
    const t = performance.now()
    const res = await SELF.fetch(`http://bench/v1/nudges?writeKey=${p.writeKey}&userId=${user}&path=/app/x&session=s${r}`)
    expect(res.status).toBe(200)
    await res.json()
    if (r >= 0) times.push(performance.now() - t)
  }
  // (the pure decideNudges cannot be timed here: workerd's clock only advances on I/O)
  const result = {
    users: USERS,
    nudges: NUDGES,
    requests: REQUESTS,
    endpoint_p50_ms: r2(percentile(times, 50)),
    endpoint_p99_ms: r2(percentile(times, 99)),
  }
  console.log(`BENCH nudges ${JSON.stringify(result)}`)
  expect(times.length).toBe(REQUESTS)
})
