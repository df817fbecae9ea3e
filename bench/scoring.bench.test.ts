import { env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { newProject } from '../tests/worker/fixtures'
import { DAYS, rowsWritten, seed, USERS_PER_ACCOUNT, withoutRollupIndexes } from './scoring-seed'
import { segmentBenchmarks } from '../worker/src/scoring/benchmarks'
import type { AccountScoreResult } from '../worker/src/scoring/project'
import { runProjectScoring } from '../worker/src/scoring/run'
import { percentileInCohort } from '../worker/src/scoring/segments'
import { rowsLoaded, runScoring, runShardedScoring, SCORING_SHARDS } from '../worker/src/scoring/shard-run'

/** Accounts per size; 10 users each. Edit to run fewer (the 100,000-user point seeds ~15 M rollup rows). */
const SIZES = [100, 1_000, 10_000]

/** The pre-issue-13 segment benchmarks (a cohort copied per account, a linear scan per percentile), kept here to time against. */
function quadraticBenchmarks(accounts: AccountScoreResult[]) {
  const cohorts = new Map<string, number[]>()
  for (const a of accounts)
    for (const m of a.health.measures) {
      if (m.raw === null) continue
      const k = `${a.segment ?? 'none'}\u0000${m.key}`
      cohorts.set(k, [...(cohorts.get(k) ?? []), m.raw])
    }
  for (const a of accounts)
    for (const m of a.health.measures)
      m.segment_percentile =
        m.raw === null ? null : percentileInCohort(m.raw, cohorts.get(`${a.segment ?? 'none'}\u0000${m.key}`) ?? [], 20)
  return cohorts.size
}

const per1k = (x: number, users: number) => Math.round((x * 1000) / users)

it('measures scoring time and D1 rows read at 1,000 / 10,000 / 100,000 users, in one pass and in 8 shards', async () => {
  const curve: Record<string, unknown>[] = []
  for (const accounts of SIZES) {
    const now = Date.now()
    const p = await newProject(`scoring-${accounts}`)
    let seeded = { users: 0, seedMs: 0, rollupRows: 0, userDays: 0 }
    const t0 = Date.now()
    await withoutRollupIndexes(async () => {
      seeded = await seed(p.id, accounts, now)
    })
    const { users, rollupRows, userDays } = seeded
    const indexMs = Date.now() - t0 - seeded.seedMs
    // what the daily run does: one pass up to 5,000 accounts, 8 shards above
    const daily = await runScoring(env.DB, p.id, now, false)
    const writtenRows = await rowsWritten(p.id)
    console.log(
      `scoring daily ${accounts} accounts ${JSON.stringify({ seed_ms: seeded.seedMs, summary: daily.summary, shards: daily.shards })}`,
    )
    // the other way, on the same data and day
    let other: Record<string, unknown>
    try {
      if (daily.shards) {
        const one = await runProjectScoring(env.DB, p.id, now)
        const t = Date.now()
        segmentBenchmarks(one.accounts, { known: [] })
        const fastMs = Date.now() - t
        const t2 = Date.now()
        quadraticBenchmarks(one.accounts)
        other = {
          mode: 'one pass',
          rows_read: one.summary.rows_read,
          rows_loaded: rowsLoaded(one.inputs),
          total_ms: one.summary.ms,
          load_ms: one.summary.load_ms,
          compute_ms: one.summary.compute_ms,
          segment_benchmarks_ms: { cohort_counts: fastMs, quadratic_before: Date.now() - t2 },
        }
      } else {
        const sharded = await runShardedScoring(env.DB, p.id, now, SCORING_SHARDS)
        other = {
          mode: `${SCORING_SHARDS} shards`,
          rows_read: sharded.summary.rows_read,
          rows_loaded_max_shard: Math.max(...sharded.shards.score.map((s) => s.rows_loaded)),
          total_ms: sharded.summary.ms,
        }
      }
    } catch (e) {
      other = { error: String((e as Error)?.message ?? e).slice(0, 300) }
    }
    const run = daily.summary
    const shards = daily.shards
    curve.push({
      accounts,
      users,
      rollup_rows: rollupRows,
      user_days: userDays,
      seed_ms: seeded.seedMs,
      index_ms: indexMs,
      mode: shards ? `${shards.score.length} shards` : 'one pass',
      rows_read: run.rows_read,
      rows_written: writtenRows,
      rows_read_per_1k_users: per1k(run.rows_read, users),
      rows_written_per_1k_users: per1k(writtenRows, users),
      ms_per_1k_users: per1k(run.ms, users),
      load_ms: run.load_ms,
      compute_ms: run.compute_ms,
      total_ms: run.ms,
      per_shard: shards
        ? shards.score.map((s, i) => ({
            shard: s.shard,
            accounts: s.accounts,
            users: s.users,
            rows_read: shards.measure[i].rows_read + s.rows_read,
            rows_loaded: s.rows_loaded,
            measure_ms: shards.measure[i].ms,
            score_ms: s.ms,
          }))
        : null,
      list_rows_read: shards?.list_rows_read ?? null,
      other,
    })
    console.log(`scoring size ${JSON.stringify(curve[curve.length - 1])}`)
  }
  const n = (c: Record<string, unknown>, k: string) => c[k] as number
  const growth = curve.slice(1).map((c, i) => ({
    users_x: +(n(c, 'users') / n(curve[i], 'users')).toFixed(2),
    time_x: +(n(c, 'total_ms') / n(curve[i], 'total_ms')).toFixed(2),
    rows_read_x: +(n(c, 'rows_read') / n(curve[i], 'rows_read')).toFixed(2),
  }))
  console.log(`BENCH scoring_scale ${JSON.stringify({ days_of_rollups: DAYS, users_per_account: USERS_PER_ACCOUNT, curve, growth })}`)
  expect(curve.length).toBe(SIZES.length)
  // the 100,000-user point seeds ~15 M rows and scores twice: ~30 min on a loaded 2-core machine
}, 3_600_000)
