import type { Alert } from '../alerts'
import { alertKey } from '../alerts'
import type { ScoringRunSummary } from '../../../shared/api/scoring'
import type { CohortSummary, ScoringContext, ShardKeys } from '../scoring'
import { ABANDONED_RUN } from './runs-store'

/** The passes of a queued run, in order: each shard's raw measures, its scores and alerts, its users' decision contexts. */
export const PASSES = ['measure', 'score', 'contexts'] as const
export type Pass = (typeof PASSES)[number]
export type Phase = Pass | 'done' | 'failed'

/** A queued scoring run (scoring_runs): its job run id is its id. */
export interface FanoutRun {
  id: number
  projectId: string
  at: number
  shards: number
  phase: Phase
  leaseHolder: string
  modelVersion: string
  listRowsRead: number
  startedAt: number
  /** The scoring context the run started with (null for a run recorded before migration 0025). */
  context: ScoringContext | null
}

interface RunRow {
  job_run_id: number
  project_id: string
  at: number
  shards: number
  phase: Phase
  lease_holder: string
  model_version: string
  list_rows_read: number
  started_at: number
  context_json: string | null
}

/** A context past this (thousands of features) is not kept: the passes then check the live config's version instead. */
const MAX_CONTEXT_CHARS = 1_000_000

const contextJson = (context: ScoringContext | null) => {
  const json = context && JSON.stringify(context)
  return json && json.length <= MAX_CONTEXT_CHARS ? json : null
}

/** Shard keys per insert statement (bytes of JSON): D1 takes 2 MB per bound value. */
const KEYS_BYTES_PER_STATEMENT = 1_000_000

/**
 * The run's row and one pending row per shard and pass (the measure rows carrying the shard's keys): one transaction,
 * a few statements whatever the shard count (D1 counts each statement of a batch against 1,000 per invocation).
 */
export function insertRunStatements(db: D1Database, run: FanoutRun, keys: ShardKeys[], now: number): D1PreparedStatement[] {
  const measureRows = db.prepare(
    `INSERT INTO scoring_run_shards (job_run_id, pass, shard, keys_json)
     SELECT ?1, 'measure', json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2)`,
  )
  const chunks: string[][] = [[]]
  let bytes = 0
  keys.forEach((k, i) => {
    const row = JSON.stringify([i, JSON.stringify({ a: k.accountIds, u: k.looseUserIds })])
    if (bytes + row.length > KEYS_BYTES_PER_STATEMENT && chunks.at(-1)!.length) {
      chunks.push([])
      bytes = 0
    }
    chunks.at(-1)!.push(row)
    bytes += row.length
  })
  return [
    db
      .prepare(
        `INSERT INTO scoring_runs (job_run_id, project_id, at, shards, phase, lease_holder, model_version, list_rows_read, started_at, updated_at, context_json)
         VALUES (?1, ?2, ?3, ?4, 'measure', ?5, ?6, ?7, ?8, ?8, ?9)`,
      )
      .bind(run.id, run.projectId, run.at, run.shards, run.leaseHolder, run.modelVersion, run.listRowsRead, now, contextJson(run.context)),
    ...chunks.map((rows) => measureRows.bind(run.id, `[${rows.join(',')}]`)),
    // the later passes' rows, one per measure row
    db
      .prepare(
        `INSERT INTO scoring_run_shards (job_run_id, pass, shard)
         SELECT ?1, p.value, s.shard FROM scoring_run_shards AS s CROSS JOIN json_each(?2) AS p
         WHERE s.job_run_id = ?1 AND s.pass = 'measure'`,
      )
      .bind(run.id, JSON.stringify(PASSES.filter((p) => p !== 'measure'))),
  ]
}

export async function loadRun(db: D1Database, id: number): Promise<FanoutRun | null> {
  const r = await db
    .prepare(
      'SELECT job_run_id, project_id, at, shards, phase, lease_holder, model_version, list_rows_read, started_at, context_json FROM scoring_runs WHERE job_run_id = ?1',
    )
    .bind(id)
    .first<RunRow>()
  return (
    r && {
      id: r.job_run_id,
      projectId: r.project_id,
      at: r.at,
      shards: r.shards,
      phase: r.phase,
      leaseHolder: r.lease_holder,
      modelVersion: r.model_version,
      listRowsRead: r.list_rows_read,
      startedAt: r.started_at,
      context: r.context_json ? (JSON.parse(r.context_json) as ScoringContext) : null,
    }
  )
}

export interface ShardRow {
  status: 'pending' | 'done'
  alertsToken: string | null
}

export async function loadShard(db: D1Database, runId: number, pass: Pass, shard: number): Promise<ShardRow | null> {
  const r = await db
    .prepare('SELECT status, alerts_token FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = ?2 AND shard = ?3')
    .bind(runId, pass, shard)
    .first<{ status: ShardRow['status']; alerts_token: string | null }>()
  return r && { status: r.status, alertsToken: r.alerts_token }
}

/** The shard's keys as the run fixed them: `{a, u}`, the shape loadScoringInputs binds. */
export async function shardKeys(db: D1Database, runId: number, shard: number): Promise<ShardKeys> {
  const json = await db
    .prepare(`SELECT keys_json FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = 'measure' AND shard = ?2`)
    .bind(runId, shard)
    .first<string>('keys_json')
  const k = JSON.parse(json ?? '{"a":[],"u":[]}') as { a: string[]; u: string[] }
  return { accountIds: k.a, looseUserIds: k.u }
}

/** Every shard's pass-1 summary (all done before pass 2 starts). */
export async function shardSummaries(db: D1Database, runId: number): Promise<CohortSummary[]> {
  const { results } = await db
    .prepare(`SELECT summary_json FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = 'measure' AND status = 'done' ORDER BY shard`)
    .bind(runId)
    .all<{ summary_json: string }>()
  return results.map((r) => JSON.parse(r.summary_json) as CohortSummary)
}

/** Users of the shard's keys: its accounts' users and its account-less users. */
export async function shardUserIds(db: D1Database, projectId: string, runId: number, shard: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `WITH k(j) AS (SELECT keys_json FROM scoring_run_shards WHERE job_run_id = ?2 AND pass = 'measure' AND shard = ?3)
       SELECT id FROM users WHERE project_id = ?1 AND account_id IN (SELECT value FROM k, json_each(k.j, '$.a'))
       UNION SELECT value FROM k, json_each(k.j, '$.u')`,
    )
    .bind(projectId, runId, shard)
    .all<{ id: string }>()
  return results.map((r) => r.id)
}

/** A sharded project's users of some scoring keys, on the state shard holding them (`shardUserIds` on a shard). */
export async function shardUsersOn(shard: D1Database, projectId: string, keys: ShardKeys): Promise<string[]> {
  const { results } = await shard
    .prepare(
      `SELECT id FROM users WHERE project_id = ?1 AND account_id IN (SELECT value FROM json_each(?2, '$.a'))
       UNION SELECT value FROM json_each(?2, '$.u')`,
    )
    .bind(projectId, JSON.stringify({ a: keys.accountIds, u: keys.looseUserIds }))
    .all<{ id: string }>()
  return results.map((r) => r.id)
}

export interface ShardResult {
  summary?: CohortSummary
  accounts?: number
  users?: number
  rowsRead?: number
  rowsLoaded?: number
  ms: number
}

/**
 * Marks the shard's pass done with what it found, and counts the pass's done shards in the same transaction:
 * D1 runs a batch as one transaction, so of concurrent completions exactly one sees its own flip bring the count to the total.
 */
export async function completeShard(
  db: D1Database,
  runId: number,
  pass: Pass,
  shard: number,
  r: ShardResult,
  now: number,
): Promise<{ flipped: boolean; done: number }> {
  const [flip, count] = await db.batch<{ shard?: number; n?: number }>([
    db
      .prepare(
        `UPDATE scoring_run_shards SET status = 'done', summary_json = COALESCE(?4, summary_json), accounts = ?5, users = ?6, rows_read = ?7,
           rows_loaded = ?8, ms = ?9, finished_at = ?10, error = NULL
         WHERE job_run_id = ?1 AND pass = ?2 AND shard = ?3 AND status = 'pending' RETURNING shard`,
      )
      .bind(
        runId,
        pass,
        shard,
        r.summary ? JSON.stringify(r.summary) : null,
        r.accounts ?? null,
        r.users ?? null,
        r.rowsRead ?? null,
        r.rowsLoaded ?? null,
        r.ms,
        now,
      ),
    db.prepare(`SELECT COUNT(*) AS n FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = ?2 AND status = 'done'`).bind(runId, pass),
  ])
  return { flipped: flip.results.length === 1, done: count.results[0]?.n ?? 0 }
}

/** Done shards of a pass. */
export async function doneShards(db: D1Database, runId: number, pass: Pass): Promise<number> {
  return (
    (await db
      .prepare(`SELECT COUNT(*) AS n FROM scoring_run_shards WHERE job_run_id = ?1 AND pass = ?2 AND status = 'done'`)
      .bind(runId, pass)
      .first<number>('n')) ?? 0
  )
}

/** A failed attempt, kept on the shard and shown as the running job's error until a retry succeeds. */
export async function noteShardError(db: D1Database, runId: number, pass: Pass, shard: number, error: string): Promise<void> {
  await db.batch([
    db
      .prepare('UPDATE scoring_run_shards SET attempts = attempts + 1, error = ?4 WHERE job_run_id = ?1 AND pass = ?2 AND shard = ?3')
      .bind(runId, pass, shard, error.slice(0, 1000)),
    db
      .prepare(`UPDATE job_runs SET error = ?2 WHERE id = ?1 AND status = 'running'`)
      .bind(runId, `${pass} shard ${shard} failed, retrying: ${error}`.slice(0, 1000)),
  ])
}

/** Alerts per INSERT statement: each binds its alerts as one JSON array. */
const ALERTS_PER_STATEMENT = 100

/**
 * Stores a shard's alerts exactly once: one transaction claims the shard's alert token and inserts the alerts only
 * under that claim, recording the ids it inserted (no other writer runs inside a D1 transaction, so the ids between the
 * largest id before and after are exactly these). A redelivered or concurrent attempt finds the token taken and inserts nothing.
 */
export async function storeShardAlerts(db: D1Database, projectId: string, runId: number, shard: number, alerts: Alert[], now: number) {
  const token = crypto.randomUUID()
  const where = `job_run_id = ?1 AND pass = 'score' AND shard = ?2`
  const claimed = `EXISTS (SELECT 1 FROM scoring_run_shards WHERE ${where} AND alerts_token = ?3)`
  const insert = db.prepare(
    `INSERT INTO account_alerts (project_id, account_id, kind, alert_key, reason, payload_json, created_at)
     SELECT ?4, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
       json_extract(value, '$[4]'), ?5
     FROM json_each(?6) WHERE ${claimed} ORDER BY key`,
  )
  const chunks: D1PreparedStatement[] = []
  for (let i = 0; i < alerts.length; i += ALERTS_PER_STATEMENT) {
    const rows = alerts
      .slice(i, i + ALERTS_PER_STATEMENT)
      .map((a) => [a.accountId, a.kind, alertKey(a), a.reason, JSON.stringify(a.payload)])
    chunks.push(insert.bind(runId, shard, token, projectId, now, JSON.stringify(rows)))
  }
  await db.batch([
    db
      .prepare(
        `UPDATE scoring_run_shards SET alerts_token = ?3, alerts_after = (SELECT COALESCE(MAX(id), 0) FROM account_alerts)
         WHERE ${where} AND alerts_token IS NULL`,
      )
      .bind(runId, shard, token),
    ...chunks,
    db
      .prepare(
        `UPDATE scoring_run_shards SET alerts_upto = (SELECT COALESCE(MAX(id), 0) FROM account_alerts) WHERE ${where} AND alerts_token = ?3`,
      )
      .bind(runId, shard, token),
  ])
}

/** Every alert the run's shards stored, with their ids, in id order. */
export async function runAlerts(db: D1Database, projectId: string, runId: number): Promise<{ ids: number[]; alerts: Alert[] }> {
  const { results } = await db
    .prepare(
      `SELECT a.id, a.account_id, a.kind, a.reason, a.payload_json FROM scoring_run_shards s
       JOIN account_alerts a ON a.project_id = ?2 AND a.id > s.alerts_after AND a.id <= s.alerts_upto
       WHERE s.job_run_id = ?1 AND s.pass = 'score' ORDER BY a.id`,
    )
    .bind(runId, projectId)
    .all<{ id: number; account_id: string; kind: Alert['kind']; reason: string; payload_json: string }>()
  return {
    ids: results.map((r) => r.id),
    alerts: results.map((r) => ({
      accountId: r.account_id,
      kind: r.kind,
      reason: r.reason,
      payload: JSON.parse(r.payload_json) as Record<string, unknown>,
    })),
  }
}

/** Claims the run's one webhook: true for the single caller that flips it. */
export async function claimWebhook(db: D1Database, runId: number, now: number): Promise<boolean> {
  const res = await db
    // only a live run at the end of its score pass: a late message of an abandoned run sends nothing
    .prepare("UPDATE scoring_runs SET webhook_claimed_at = ?2 WHERE job_run_id = ?1 AND webhook_claimed_at IS NULL AND phase = 'score'")
    .bind(runId, now)
    .run()
  return res.meta.changes === 1
}

/** Moves the run from one phase to the next; true for the single caller that does. */
export async function advancePhase(db: D1Database, runId: number, from: Phase, to: Phase, now: number): Promise<boolean> {
  const res = await db
    .prepare('UPDATE scoring_runs SET phase = ?3, updated_at = ?4 WHERE job_run_id = ?1 AND phase = ?2')
    .bind(runId, from, to, now)
    .run()
  return res.meta.changes === 1
}

/** The run's totals, as the in-line run's summary counts them (listing + pass 1 + pass 2 rows; pass 1 is the load). */
export async function runTotals(db: D1Database, runId: number) {
  const { results } = await db
    .prepare(
      `SELECT pass, COALESCE(SUM(accounts), 0) AS accounts, COALESCE(SUM(users), 0) AS users, COALESCE(SUM(rows_read), 0) AS rows_read,
         COALESCE(SUM(ms), 0) AS ms, COALESCE(SUM(alerts_upto - alerts_after), 0) AS alerts
       FROM scoring_run_shards WHERE job_run_id = ?1 GROUP BY pass`,
    )
    .bind(runId)
    .all<{ pass: Pass; accounts: number; users: number; rows_read: number; ms: number; alerts: number }>()
  const of = (p: Pass) => results.find((r) => r.pass === p) ?? { accounts: 0, users: 0, rows_read: 0, ms: 0, alerts: 0 }
  return { measure: of('measure'), score: of('score') }
}

/**
 * The last step, one transaction: the run done, its job run `ok` with its summary, and the shards' keys and summaries
 * dropped (nothing reads them once the run is done; ~100 KB a run otherwise kept 90 days). The lease is released after.
 */
export async function finishRun(db: D1Database, runId: number, summary: ScoringRunSummary, now: number): Promise<boolean> {
  const [moved] = await db.batch([
    db.prepare(`UPDATE scoring_runs SET phase = 'done', updated_at = ?2 WHERE job_run_id = ?1 AND phase = 'contexts'`).bind(runId, now),
    db
      .prepare(`UPDATE job_runs SET status = 'ok', finished_at = ?2, error = NULL, summary_json = ?3 WHERE id = ?1 AND status = 'running'`)
      .bind(runId, now, JSON.stringify(summary)),
    db
      .prepare(`UPDATE scoring_run_shards SET keys_json = NULL, summary_json = NULL WHERE job_run_id = ?1 AND pass = 'measure'`)
      .bind(runId),
  ])
  return moved.meta.changes === 1
}

/** A run that cannot finish: failed, with its error on the job run (what GET /api/v1/scoring/runs shows). */
export async function failRunStatements(db: D1Database, runId: number, error: string, now: number): Promise<void> {
  await db.batch([
    db
      .prepare(`UPDATE scoring_runs SET phase = 'failed', updated_at = ?2 WHERE job_run_id = ?1 AND phase NOT IN ('done', 'failed')`)
      .bind(runId, now),
    db
      .prepare(`UPDATE job_runs SET status = 'failed', finished_at = ?2, error = ?3 WHERE id = ?1 AND status = 'running'`)
      .bind(runId, now, error.slice(0, 1000)),
  ])
}

/**
 * Queued runs of the project that can no longer finish because a new run holds the lease: recorded failed. Called
 * right after the lease is taken.
 */
export async function failAbandonedRuns(db: D1Database, projectId: string, holder: string, now: number): Promise<void> {
  const abandoned = `SELECT job_run_id FROM scoring_runs WHERE project_id = ?1 AND phase NOT IN ('done', 'failed') AND lease_holder <> ?2`
  await db.batch([
    db
      .prepare(`UPDATE job_runs SET status = 'failed', finished_at = ?3, error = ?4 WHERE id IN (${abandoned}) AND status = 'running'`)
      .bind(projectId, holder, now, ABANDONED_RUN),
    db.prepare(`UPDATE scoring_runs SET phase = 'failed', updated_at = ?3 WHERE job_run_id IN (${abandoned})`).bind(projectId, holder, now),
  ])
}
