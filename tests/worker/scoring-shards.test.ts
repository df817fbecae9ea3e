import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { runProjectScoring } from '../../worker/src/scoring/run'
import { runScoring, runShardedScoring, scoreShard, splitByShard } from '../../worker/src/scoring/shard-run'
import { newProject } from './fixtures'
import { SCORING_BASE, scoringWritten, seedScoringBase } from './queue-fixtures'

const DAY = 86_400_000
const { accounts: ACCOUNTS, usersPerAccount: USERS_PER_ACCOUNT } = SCORING_BASE

/** tests/worker/queue-fixtures.ts's scoring base under a new project. */
async function seed(now: number) {
  const p = await newProject('shards')
  await seedScoringBase(p.id, now)
  return p.id
}

const written = scoringWritten

describe('scoring split by account shard', () => {
  it('writes the same scores, bands, explanations, user scores and benchmarks with 1 shard as with 1, 3 or 8 (two days running)', async () => {
    const now = Date.now()
    const variants = [0, 1, 3, 8]
    const results = []
    for (const shards of variants) {
      const id = await seed(now)
      for (const at of [now - DAY, now]) {
        if (shards === 0) await runProjectScoring(env.DB, id, at)
        else await runShardedScoring(env.DB, id, at, shards)
      }
      results.push(await written(id))
    }
    const [single] = results
    // not vacuous: every account and user scored, segment percentiles present, bands differ
    expect(single.scores).toHaveLength(ACCOUNTS)
    expect(single.users).toHaveLength(ACCOUNTS * USERS_PER_ACCOUNT)
    expect(new Set(single.scores.map((s) => s.band)).size).toBeGreaterThan(1)
    expect(single.scores.some((s) => /"segment_percentile":\d/.test(s.explanation_json as string))).toBe(true)
    expect(single.scores.some((s) => /"key":"version_lag","label":"[^"]+","raw":[1-9]/.test(s.explanation_json as string))).toBe(true)
    expect(single.benchmarks.length).toBeGreaterThan(0)
    for (const r of results.slice(1)) expect(r).toEqual(single)
  }, 180_000)

  it('keeps the accounts apart: every account in exactly one shard, the one shardOf names, and every user scored', async () => {
    const now = Date.now()
    const id = await seed(now)
    const run = await runShardedScoring(env.DB, id, now, 4)
    expect(run.shards.score.map((s) => s.shard)).toEqual([0, 1, 2, 3])
    expect(run.shards.score.reduce((a, s) => a + s.accounts, 0)).toBe(ACCOUNTS)
    expect(run.shards.score.filter((s) => s.accounts > 0).length).toBeGreaterThan(1)
    // the ghost account and the six users without one are scored too
    expect(run.summary.users).toBe(ACCOUNTS * USERS_PER_ACCOUNT)
    const keys = splitByShard(
      Array.from({ length: ACCOUNTS }, (_, i) => `acct-${i}`),
      [],
      4,
    )
    expect(run.shards.score.map((s) => s.accounts)).toEqual(keys.map((k) => k.accountIds.length))
  }, 60_000)

  it('runs in one pass up to the size limit and shard by shard above it, alerts counted from each part', async () => {
    const now = Date.now()
    const small = await seed(now)
    const one = await runScoring(env.DB, small, now, false, async (_, accounts) => accounts.length, { minAccounts: ACCOUNTS })
    expect(one.shards).toBeNull()
    expect(one.alerts).toBe(ACCOUNTS)
    const big = await seed(now)
    const split = await runScoring(env.DB, big, now, false, async (_, accounts) => accounts.length, {
      minAccounts: ACCOUNTS - 1,
      shards: 4,
    })
    expect(split.shards?.score).toHaveLength(4)
    expect(split.alerts).toBe(ACCOUNTS)
    expect(await written(big)).toEqual(await written(small))
  }, 60_000)

  it('runs a shard from queue-shaped messages: measure every shard, merge, then score each, the same as in line', async () => {
    const now = Date.now()
    const inline = await seed(now)
    await runShardedScoring(env.DB, inline, now, 3)
    const queued = await seed(now)
    const { mergeCohortSummaries, EMPTY_COHORTS } = await import('../../worker/src/scoring/cohorts')
    let merged = EMPTY_COHORTS
    for (const shard of [2, 0, 1]) {
      const pass = await scoreShard(env.DB, { kind: 'measure', projectId: queued, at: now, shard, shards: 3 })
      merged = mergeCohortSummaries(merged, (pass as { summary: typeof merged }).summary)
    }
    // a message is JSON on the queue
    const cohorts = JSON.parse(JSON.stringify(merged))
    for (const shard of [1, 2, 0])
      await scoreShard(env.DB, { kind: 'score', projectId: queued, at: now, shard, shards: 3, backfill: false, cohorts })
    const a = await written(inline)
    const b = await written(queued)
    // the segment benchmarks are the in-line run's last step (a consumer's finisher would write them)
    expect({ ...b, benchmarks: a.benchmarks }).toEqual(a)
    await expect(scoreShard(env.DB, { kind: 'measure', projectId: queued, at: now, shard: 3, shards: 3 })).rejects.toThrow(RangeError)
  }, 60_000)
})
