import type { ScoringRunSummary } from '../../../shared/api/scoring'
import { dayOf } from '../lib/days'
import {
  applyCohortPercentiles,
  cohortBenchmarks,
  EMPTY_COHORTS,
  finaliseCohorts,
  mergeCohortSummaries,
  summariseCohorts,
  type CohortSummary,
} from './cohorts'
import type { ScoringInputs } from './inputs'
import { loadScoringInputs } from './inputs-store'
import { knownVersionsOf, scoreProject, type AccountScoreResult } from './project'
import { loadScoringContext, runProjectScoring, scoringState, type ScoringContext, type ScoringSource } from './run'
import { writeAccountScores, writeSegmentBenchmarks, writeStateUserScores } from './scores-store'
import type { ProjectState } from '../shards'
import { alignedShards, SCORING_SHARDS, scoringShardsFor, SHARDED_SCORING_MIN_ACCOUNTS, splitByShard, type ShardKeys } from './shard-split'

export { alignedShards, SCORING_SHARDS, scoringShardsFor, SHARDED_SCORING_MIN_ACCOUNTS, splitByShard, type ShardKeys }

/**
 * Every account key of the project (accounts, and account ids users carry without an account row) and every
 * account-less user: one index read each, what the split needs. A sharded project's users are listed on every
 * shard (one call each, in parallel), its accounts in D1.
 */
export async function listShardKeys(source: D1Database | ProjectState, projectId: string) {
  if ('control' in source && source.sharded) return listShardedKeys(source, projectId)
  const db = 'control' in source ? source.control : source
  const [accounts, loose] = await Promise.all([
    db
      .prepare(
        `SELECT id FROM accounts WHERE project_id = ?1 UNION SELECT account_id FROM users WHERE project_id = ?1 AND account_id IS NOT NULL`,
      )
      .bind(projectId)
      .all<{ id: string }>(),
    db.prepare('SELECT id FROM users WHERE project_id = ?1 AND account_id IS NULL').bind(projectId).all<{ id: string }>(),
  ])
  return {
    accountIds: accounts.results.map((r) => r.id),
    looseUserIds: loose.results.map((r) => r.id),
    rowsRead: (accounts.meta.rows_read ?? 0) + (loose.meta.rows_read ?? 0),
  }
}

async function listShardedKeys(state: ProjectState, projectId: string) {
  const [accounts, perShard] = await Promise.all([
    state.control.prepare('SELECT id FROM accounts WHERE project_id = ?1').bind(projectId).all<{ id: string }>(),
    Promise.all(
      state
        .all()
        .map(({ db }) =>
          db.batch<{ id: string }>([
            db.prepare('SELECT DISTINCT account_id AS id FROM users WHERE project_id = ?1 AND account_id IS NOT NULL').bind(projectId),
            db.prepare('SELECT id FROM users WHERE project_id = ?1 AND account_id IS NULL').bind(projectId),
          ]),
        ),
    ),
  ])
  // the UNION of the unsharded read: distinct, in id order
  const accountIds = new Set(accounts.results.map((r) => r.id))
  for (const [carried] of perShard) for (const r of carried.results) accountIds.add(r.id)
  const rowsRead = [accounts, ...perShard.flat()].reduce((n, r) => n + (r.meta.rows_read ?? 0), 0)
  return {
    accountIds: [...accountIds].sort(),
    looseUserIds: perShard.flatMap(([, loose]) => loose.results.map((r) => r.id)),
    rowsRead,
  }
}

/** One shard's pass, as the run summary and the bench report it. */
export interface ShardStats {
  shard: number
  accounts: number
  users: number
  rows_read: number
  /** Rollup and score rows the pass held in memory at once (what bounds a shard's memory). */
  rows_loaded: number
  ms: number
}

/** Rows of the loaded inputs, all lists together. */
export const rowsLoaded = (inputs: ScoringInputs) =>
  Object.values(inputs).reduce((a: number, v) => a + (Array.isArray(v) ? v.length : 0), 0)

/**
 * Pass 1 of a shard: its accounts' raw measures (only the inputs they need) summarised per segment. The summaries of
 * all shards merge into the project's cohorts (cohorts.ts), which pass 2 scores against.
 */
export async function measureShard(
  state: D1Database | ProjectState,
  projectId: string,
  now: number,
  keys: ShardKeys,
  ctx: ScoringContext,
): Promise<{ summary: CohortSummary; stats: Omit<ShardStats, 'shard'> }> {
  const started = Date.now()
  const inputs = await loadScoringInputs(state, projectId, now, ctx.ruleEvents, {
    accountIds: keys.accountIds,
    shard: { looseUserIds: keys.looseUserIds },
    measuresOnly: true,
  })
  // raw measures do not depend on the band state, rules or history the measures-only load skips
  const { accounts } = scoreProject(inputs, ctx.config, ctx.features, now, { protectedAttributes: ctx.protectedAttributes })
  const summary = summariseCohorts(accounts, knownVersionsOf(inputs))
  return {
    summary,
    stats: {
      accounts: accounts.length,
      users: inputs.users.length,
      rows_read: inputs.rowsRead,
      rows_loaded: rowsLoaded(inputs),
      ms: Date.now() - started,
    },
  }
}

/**
 * Pass 2 of a shard: its accounts and users scored against the merged cohorts (the project's known versions and
 * segment percentiles) and written. Returns the inputs and scores the shard's alerts read; `beforeWrite` sees them
 * before anything is written (a queued shard stores its alerts there: a retry after a partial write would read its
 * own new scores as the previous ones).
 */
export async function scoreShardAccounts(
  state: ProjectState,
  projectId: string,
  now: number,
  keys: ShardKeys,
  ctx: ScoringContext,
  merged: CohortSummary,
  backfill: boolean,
  beforeWrite?: (inputs: ScoringInputs, accounts: AccountScoreResult[]) => Promise<void>,
): Promise<{ inputs: ScoringInputs; accounts: AccountScoreResult[]; stats: Omit<ShardStats, 'shard'> }> {
  const started = Date.now()
  const db = state.control
  const inputs = await loadScoringInputs(state, projectId, now, ctx.ruleEvents, {
    accountIds: keys.accountIds,
    shard: { looseUserIds: keys.looseUserIds },
  })
  const { accounts, users } = scoreProject(inputs, ctx.config, ctx.features, now, {
    protectedAttributes: ctx.protectedAttributes,
    backfill,
    knownVersions: merged.knownVersions,
  })
  if (!backfill) applyCohortPercentiles(accounts, finaliseCohorts(merged, ctx.config.latest_version))
  if (beforeWrite) await beforeWrite(inputs, accounts)
  await writeAccountScores(db, projectId, dayOf(now), ctx.version, accounts, now, { latest: !backfill })
  if (!backfill) await writeStateUserScores(state, projectId, users, now)
  return {
    inputs,
    accounts,
    stats: {
      accounts: accounts.length,
      users: users.length,
      rows_read: inputs.rowsRead,
      rows_loaded: rowsLoaded(inputs),
      ms: Date.now() - started,
    },
  }
}

export interface ShardedScoring {
  summary: Omit<ScoringRunSummary, 'alerts'>
  alerts: number
  shards: { measure: ShardStats[]; score: ShardStats[]; list_rows_read: number }
}

/**
 * A project scored in `shards` account shards, one after another in this invocation: pass 1 over every shard, the
 * summaries merged, then pass 2 per shard (score, write, then `afterShard`, e.g. its alerts). Only one shard's
 * inputs are in memory at a time; scores and bands are those of `runProjectScoring` on the same data.
 */
export async function runShardedScoring(
  source: ScoringSource,
  projectId: string,
  now: number,
  shards: number,
  backfill = false,
  afterShard?: (inputs: ScoringInputs, accounts: AccountScoreResult[]) => Promise<number>,
): Promise<ShardedScoring> {
  const started = Date.now()
  const state = await scoringState(source, projectId)
  const db = state.control
  const ctx = await loadScoringContext(db, projectId)
  const listed = await listShardKeys(state, projectId)
  const split = splitByShard(listed.accountIds, listed.looseUserIds, alignedShards(shards, state.shards))
  const measure: ShardStats[] = []
  let merged = EMPTY_COHORTS
  for (const [shard, keys] of split.entries()) {
    const pass = await measureShard(state, projectId, now, keys, ctx)
    merged = mergeCohortSummaries(merged, pass.summary)
    measure.push({ shard, ...pass.stats })
  }
  const loadedMs = Date.now() - started
  const score: ShardStats[] = []
  let alerts = 0
  for (const [shard, keys] of split.entries()) {
    const pass = await scoreShardAccounts(state, projectId, now, keys, ctx, merged, backfill)
    if (afterShard) alerts += await afterShard(pass.inputs, pass.accounts)
    score.push({ shard, ...pass.stats })
  }
  if (!backfill) await writeSegmentBenchmarks(db, projectId, cohortBenchmarks(finaliseCohorts(merged, ctx.config.latest_version)), now)
  const sum = (xs: ShardStats[], k: 'rows_read' | 'ms' | 'accounts' | 'users') => xs.reduce((a, x) => a + x[k], 0)
  return {
    summary: {
      project_id: projectId,
      day: dayOf(now),
      backfill,
      model_version: ctx.version,
      accounts: sum(score, 'accounts'),
      users: sum(score, 'users'),
      rows_read: listed.rowsRead + sum(measure, 'rows_read') + sum(score, 'rows_read'),
      // load: listing and pass 1; compute: pass 2 (load, score and write per shard)
      load_ms: loadedMs,
      compute_ms: sum(score, 'ms'),
      ms: Date.now() - started,
    },
    alerts,
    shards: { measure, score, list_rows_read: listed.rowsRead },
  }
}

/** One shard's pass as a self-contained call (tests); the queued run's consumer is jobs/fanout.ts. */
export type ScoreShardMessage =
  | { kind: 'measure'; projectId: string; at: number; shard: number; shards: number }
  | { kind: 'score'; projectId: string; at: number; shard: number; shards: number; backfill: boolean; cohorts: CohortSummary }

/**
 * One shard's pass from a message: `measure` returns the shard's cohort summary (to merge with the others'),
 * `score` scores and writes the shard against the merged summary. The split is recomputed from the project's keys,
 * so every consumer of the same project agrees on it.
 */
export async function scoreShard(source: ScoringSource, msg: ScoreShardMessage) {
  const state = await scoringState(source, msg.projectId)
  const [ctx, listed] = await Promise.all([loadScoringContext(state.control, msg.projectId), listShardKeys(state, msg.projectId)])
  const keys = splitByShard(listed.accountIds, listed.looseUserIds, msg.shards)[msg.shard]
  if (!keys) throw new RangeError(`shard ${msg.shard} is not in [0, ${msg.shards})`)
  if (msg.kind === 'measure') return measureShard(state, msg.projectId, msg.at, keys, ctx)
  return scoreShardAccounts(state, msg.projectId, msg.at, keys, ctx, msg.cohorts, msg.backfill)
}

/**
 * The cron's unit of work: a project scored in one pass when small, shard by shard when it has more than
 * `opts.minAccounts` accounts; `afterScoring` (the alerts) runs on each part's inputs and scores and returns a count.
 */
export async function runScoring(
  source: ScoringSource,
  projectId: string,
  now: number,
  backfill: boolean,
  afterScoring?: (inputs: ScoringInputs, accounts: AccountScoreResult[]) => Promise<number>,
  opts: { minAccounts?: number; shards?: number } = {},
): Promise<{ summary: Omit<ScoringRunSummary, 'alerts'>; alerts: number; shards: ShardedScoring['shards'] | null }> {
  const state = await scoringState(source, projectId)
  const db = state.control
  const accounts = (await db.prepare('SELECT COUNT(*) AS n FROM accounts WHERE project_id = ?1').bind(projectId).first<number>('n')) ?? 0
  const shards = scoringShardsFor(accounts, opts.minAccounts, opts.shards)
  if (shards > 1) return runShardedScoring(state, projectId, now, shards, backfill, afterScoring)
  const run = await runProjectScoring(state, projectId, now, backfill)
  return { summary: run.summary, alerts: afterScoring ? await afterScoring(run.inputs, run.accounts) : 0, shards: null }
}

/** A queued run's plan (jobs/fanout.ts): its shard count and each shard's keys, fixed for the whole run. */
export async function planShardedRun(source: ScoringSource, projectId: string, opts: { minAccounts?: number; shards?: number } = {}) {
  const state = await scoringState(source, projectId)
  const db = state.control
  const accounts = (await db.prepare('SELECT COUNT(*) AS n FROM accounts WHERE project_id = ?1').bind(projectId).first<number>('n')) ?? 0
  const unaligned = scoringShardsFor(accounts, opts.minAccounts, opts.shards)
  if (unaligned <= 1) return null
  // each scoring shard within one state shard: a message reads and writes one Durable Object
  const shards = alignedShards(unaligned, state.shards)
  const [ctx, listed] = await Promise.all([loadScoringContext(db, projectId), listShardKeys(state, projectId)])
  return {
    shards,
    version: ctx.version,
    context: ctx,
    keys: splitByShard(listed.accountIds, listed.looseUserIds, shards),
    listRowsRead: listed.rowsRead,
  }
}

/** Thrown when the model changed under a queued run: its passes would score against different configs. */
export class ScoringConfigChanged extends Error {}

/** Where a queued pass takes its context: the run's snapshot (runs since migration 0025), else the live one at the run's version. */
export interface RunContext {
  version: string
  snapshot: ScoringContext | null
}

async function contextOf(db: D1Database, projectId: string, run: RunContext) {
  if (run.snapshot) return run.snapshot
  const version = run.version
  const ctx = await loadScoringContext(db, projectId)
  if (ctx.version !== version) throw new ScoringConfigChanged(`the scoring config changed during the run (${version} → ${ctx.version})`)
  return ctx
}

/** A queued run's pass 1 for one shard: its cohort summary (to store) and stats. */
export async function measureQueuedShard(source: ScoringSource, projectId: string, at: number, run: RunContext, keys: ShardKeys) {
  const state = await scoringState(source, projectId)
  return measureShard(state, projectId, at, keys, await contextOf(state.control, projectId, run))
}

/** A queued run's pass 2 for one shard, against the merge of every shard's summary (merging is order-free). */
export async function scoreQueuedShard(
  source: ScoringSource,
  projectId: string,
  at: number,
  run: RunContext,
  keys: ShardKeys,
  summaries: CohortSummary[],
  beforeWrite: (inputs: ScoringInputs, accounts: AccountScoreResult[]) => Promise<void>,
) {
  const state = await scoringState(source, projectId)
  const ctx = await contextOf(state.control, projectId, run)
  return (
    await scoreShardAccounts(state, projectId, at, keys, ctx, summaries.reduce(mergeCohortSummaries, EMPTY_COHORTS), false, beforeWrite)
  ).stats
}

/** A queued run's segment benchmarks, once, from every shard's summary (what runShardedScoring writes last). */
export async function writeQueuedBenchmarks(db: D1Database, projectId: string, run: RunContext, summaries: CohortSummary[], now: number) {
  const ctx = await contextOf(db, projectId, run)
  const merged = summaries.reduce(mergeCohortSummaries, EMPTY_COHORTS)
  await writeSegmentBenchmarks(db, projectId, cohortBenchmarks(finaliseCohorts(merged, ctx.config.latest_version)), now)
}
