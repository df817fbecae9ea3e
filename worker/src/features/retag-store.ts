/** SQL of the re-tagging job: the `feature_rebuilds` row, the archive objects' tag generations, rollup deltas. */
import { rollupStatements } from '../ingest'
import { dayOf } from '../lib/days'
import type { RebuildJob, RollupDelta, UserDay } from './retag'
import { snapshotFeatures, snapshotRulesStatement } from './store'
import type { Feature } from '../../../shared/features'

interface JobRow {
  status: 'running' | 'done'
  generation: number
  since_ts: number
  cursor_key: string | null
  count_key: string | null
  counted: number
  total: number
  done: number
  retagged: number
  lease_until: number
  started_at: number
  finished_at: number | null
}

const JOB_COLUMNS =
  'status, generation, since_ts, cursor_key, count_key, counted, total, done, retagged, lease_until, started_at, finished_at'

const toJob = (r: JobRow): RebuildJob => ({
  status: r.status,
  generation: r.generation,
  sinceTs: r.since_ts,
  cursorKey: r.cursor_key,
  countKey: r.count_key,
  counted: r.counted === 1,
  total: r.total,
  done: r.done,
  retagged: r.retagged,
  leaseUntil: r.lease_until,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
})

/**
 * The statements that record (or restart, with the new rules) the project's job walking the archive from
 * `sinceTs`, and snapshot the rules under the job's new generation; run them in the batch of the rules change,
 * after the feature write. A job already walking restarts from the start (objects it moved keep their generation).
 */
export function startRebuildStatements(db: D1Database, projectId: string, sinceTs: number, now: number): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT INTO feature_rebuilds (project_id, status, generation, since_ts, cursor_ts, cursor_rowid, cursor_key, count_key, counted,
           total, done, retagged, lease_until, started_at, updated_at)
         VALUES (?1, 'running', 1, ?2, ?2, -1, NULL, NULL, 0, 0, 0, 0, 0, ?3, ?3)
         ON CONFLICT (project_id) DO UPDATE SET status = 'running', generation = generation + 1, since_ts = excluded.since_ts,
           cursor_ts = excluded.cursor_ts, cursor_rowid = -1, cursor_key = NULL, count_key = NULL, counted = 0, total = 0, done = 0,
           retagged = 0, started_at = excluded.started_at, updated_at = excluded.updated_at, finished_at = NULL`,
      )
      .bind(projectId, sinceTs, now),
    snapshotRulesStatement(db, projectId, now),
  ]
}

export async function findRebuildJob(db: D1Database, projectId: string): Promise<RebuildJob | null> {
  const row = await db.prepare(`SELECT ${JOB_COLUMNS} FROM feature_rebuilds WHERE project_id = ?1`).bind(projectId).first<JobRow>()
  return row ? toJob(row) : null
}

/** Takes the lease of a running job nobody holds (until `leaseUntil`); null when there is none to take. */
export async function leaseRebuildJob(db: D1Database, projectId: string, now: number, leaseUntil: number): Promise<RebuildJob | null> {
  const row = await db
    .prepare(
      `UPDATE feature_rebuilds SET lease_until = ?2 WHERE project_id = ?1 AND status = 'running' AND lease_until < ?3 RETURNING ${JOB_COLUMNS}`,
    )
    .bind(projectId, leaseUntil, now)
    .first<JobRow>()
  return row ? toJob(row) : null
}

/** Gives the lease back, if it is still one of ours (`tokens`: the lease_until values we set). */
export async function releaseRebuildLease(db: D1Database, projectId: string, tokens: [number, number]): Promise<void> {
  await db
    .prepare('UPDATE feature_rebuilds SET lease_until = 0 WHERE project_id = ?1 AND lease_until IN (?2, ?3)')
    .bind(projectId, ...tokens)
    .run()
}

/** The archive objects' tag generations (absent: as written) and every rules snapshot the project keeps: one read batch. */
export async function readTagVersions(
  db: D1Database,
  projectId: string,
  keys: string[],
): Promise<{ versions: Map<string, number>; snapshots: Map<number, Feature[]> }> {
  const [versions, snapshots] = await db.batch([
    db
      .prepare(
        'SELECT object_key, rules_generation FROM archive_tag_versions WHERE project_id = ?1 AND object_key IN (SELECT value FROM json_each(?2))',
      )
      .bind(projectId, JSON.stringify(keys)),
    // pruned when a job finishes: one per rules change since
    db.prepare('SELECT generation, features_json FROM feature_rule_snapshots WHERE project_id = ?1').bind(projectId),
  ])
  return {
    versions: new Map(
      (versions.results as { object_key: string; rules_generation: number }[]).map((r) => [r.object_key, r.rules_generation]),
    ),
    snapshots: new Map(
      (snapshots.results as { generation: number; features_json: string }[]).map((r) => [r.generation, snapshotFeatures(r.features_json)]),
    ),
  }
}

/** Every rules snapshot the project keeps (D1; a sharded project's tag generations live in its shards). */
export async function readRuleSnapshots(db: D1Database, projectId: string): Promise<Map<number, Feature[]>> {
  const { results } = await db
    .prepare('SELECT generation, features_json FROM feature_rule_snapshots WHERE project_id = ?1')
    .bind(projectId)
    .all<{ generation: number; features_json: string }>()
  return new Map(results.map((r) => [r.generation, snapshotFeatures(r.features_json)]))
}

/**
 * One shard's part of a page, in one read batch: the objects' tag generations on this shard (its lines were
 * last counted under them) and which write counted each of `messageIds` (the lines event_ids routes here).
 */
export async function readShardTagState(
  shard: D1Database,
  projectId: string,
  keys: string[],
  messageIds: string[],
): Promise<{ versions: Map<string, number>; countedBy: Map<string, { ingestId: string; receivedAt: number }> }> {
  const [versions, counted] = await shard.batch([
    shard
      .prepare(
        'SELECT object_key, rules_generation FROM archive_tag_versions WHERE project_id = ?1 AND object_key IN (SELECT value FROM json_each(?2))',
      )
      .bind(projectId, JSON.stringify(keys)),
    shard
      .prepare(
        'SELECT e.message_id, e.ingest_id, e.received_day FROM json_each(?2) AS j CROSS JOIN event_ids AS e ON e.project_id = ?1 AND e.message_id = j.value',
      )
      .bind(projectId, JSON.stringify(messageIds)),
  ])
  return {
    versions: new Map(
      (versions.results as { object_key: string; rules_generation: number }[]).map((r) => [r.object_key, r.rules_generation]),
    ),
    countedBy: new Map(
      (counted.results as { message_id: string; ingest_id: string; received_day: string }[]).map((r) => [
        r.message_id,
        { ingestId: r.ingest_id, receivedAt: Date.parse(r.received_day) },
      ]),
    ),
  }
}

/** message id -> the consumer write that counted it (event_ids: its ingest id, its receipt day's start); absent: no dedupe row. */
export async function readCountedBy(
  db: D1Database,
  projectId: string,
  messageIds: string[],
): Promise<Map<string, { ingestId: string; receivedAt: number }>> {
  if (!messageIds.length) return new Map()
  const { results } = await db
    .prepare(
      // driven by the ids, one key lookup each
      'SELECT e.message_id, e.ingest_id, e.received_day FROM json_each(?2) AS j CROSS JOIN event_ids AS e ON e.project_id = ?1 AND e.message_id = j.value',
    )
    .bind(projectId, JSON.stringify(messageIds))
    .all<{ message_id: string; ingest_id: string; received_day: string }>()
  return new Map(results.map((r) => [r.message_id, { ingestId: r.ingest_id, receivedAt: Date.parse(r.received_day) }]))
}

/** The rollups of exactly these (user, day start, day end) pairs, recomputed from their raw events. */
export function rebuildPairsStatements(db: D1Database, projectId: string, pairs: UserDay[]): D1PreparedStatement[] {
  const json = JSON.stringify(pairs.map(([user, from]) => [user, dayOf(from)]))
  return [
    ...['user_days', 'user_event_days', 'user_feature_days'].map((table) =>
      db
        .prepare(
          `DELETE FROM ${table} WHERE project_id = ?1 AND (user_id, day) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2))`,
        )
        .bind(projectId, json),
    ),
    ...rollupStatements(db, projectId, { userDays: pairs }),
  ]
}

export interface WalkedPage {
  /** The generation the page was walked under, and the cursor it started from: the write applies only if both still hold. */
  generation: number
  from: string | null
  delta: RollupDelta
  /** Archive objects this page moved to `generation` (re-classified or already under it). */
  moved: string[]
  cursorKey: string | null
  /** The count pass's progress this page: events added to `total`, its new key, whether it reached the end. */
  count: { added: number; key: string | null; ended: boolean } | null
  walked: number
  finished: boolean
  /** On finishing: objects before this key are outside the window (their version rows go), as do older snapshots. */
  floorKey: string
  now: number
  leaseUntil: number
}

/** The users whose feature use a page's delta changes: their decision contexts (user_contexts) are rewritten. */
export const contextUsers = (delta: RollupDelta): string[] => [...new Set(delta.features.map((f) => f[0]))]

// every write of a page holds only while the job is still at the generation and cursor the page was read under
const STILL = 'EXISTS (SELECT 1 FROM feature_rebuilds WHERE project_id = ?1 AND generation = ?2 AND cursor_key IS ?3)'
const at = (i: number) => `json_extract(d.value, '$[${i}]')`

/**
 * A shard's guard: the objects' tag generations on this shard are still the ones the page read (?2: [[key,
 * generation|null]]), so a repeated page (crash, a second worker) skips a shard already moved and adds nothing twice.
 */
const SHARD_STILL = `NOT EXISTS (SELECT 1 FROM json_each(?2) AS x LEFT JOIN archive_tag_versions AS t
  ON t.project_id = ?1 AND t.object_key = json_extract(x.value, '$[0]') WHERE t.rules_generation IS NOT json_extract(x.value, '$[1]'))`

/** The rollup deltas of a page under `guard` (?1 project, ?2 and ?3 the guard's, ?4 the delta JSON): STILL in D1, SHARD_STILL on a shard. */
function deltaStatements(
  db: D1Database,
  projectId: string,
  delta: RollupDelta,
  guard: string,
  g: readonly [string, unknown, unknown],
): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = []
  const { features, days, eventAmounts } = delta
  if (features.length) {
    const json = JSON.stringify(features)
    out.push(
      // only (user, day)s ingest counted: an erased user's archived events bring no rollup back
      db
        .prepare(
          `INSERT INTO user_feature_days (project_id, user_id, feature_key, day, account_id, n, amount)
           SELECT ?1, ${at(0)}, ${at(1)}, ${at(2)}, COALESCE(${at(3)}, (SELECT account_id FROM users WHERE project_id = ?1 AND id = ${at(0)})), ${at(4)}, ${at(5)}
           FROM json_each(?4) AS d
           WHERE ${guard} AND EXISTS (SELECT 1 FROM user_days AS u WHERE u.project_id = ?1 AND u.user_id = ${at(0)} AND u.day = ${at(2)})
           ON CONFLICT (project_id, user_id, feature_key, day) DO UPDATE SET n = n + excluded.n, amount = amount + excluded.amount`,
        )
        .bind(...g, json),
      // a (user, feature, day) the new rules no longer count leaves no row behind, as ingest under them would
      db
        .prepare(
          `DELETE FROM user_feature_days WHERE project_id = ?1 AND n <= 0
             AND (user_id, feature_key, day) IN (SELECT ${at(0)}, ${at(1)}, ${at(2)} FROM json_each(?2) AS d WHERE ${at(4)} < 0)`,
        )
        .bind(projectId, json),
    )
  }
  const users = contextUsers(delta)
  if (users.length)
    out.push(
      // their decision contexts hold the old feature use: gone in the same transaction (a decision then reads the
      // rows until the page's refresh, or the decision itself, writes them again), so none outlives a crash stale
      db
        .prepare(`DELETE FROM user_contexts WHERE project_id = ?1 AND user_id IN (SELECT value FROM json_each(?4)) AND ${guard}`)
        .bind(...g, JSON.stringify(users)),
    )
  // upserts that always update (the row is there, EXISTS says so): driven by the delta's rows, one key lookup each
  // (an UPDATE … FROM json_each walks the project's rollup rows instead)
  if (days.length)
    out.push(
      db
        .prepare(
          `INSERT INTO user_days (project_id, user_id, day, meaningful, logins, value_events, value_amount)
           SELECT ?1, ${at(0)}, ${at(1)}, ${at(2)}, ${at(3)}, ${at(4)}, ${at(5)} FROM json_each(?4) AS d
           WHERE ${guard} AND EXISTS (SELECT 1 FROM user_days AS u WHERE u.project_id = ?1 AND u.user_id = ${at(0)} AND u.day = ${at(1)})
           ON CONFLICT (project_id, user_id, day) DO UPDATE SET meaningful = meaningful + excluded.meaningful, logins = logins + excluded.logins,
             value_events = value_events + excluded.value_events, value_amount = value_amount + excluded.value_amount`,
        )
        .bind(...g, JSON.stringify(days)),
    )
  if (eventAmounts.length)
    out.push(
      db
        .prepare(
          `INSERT INTO user_event_days (project_id, user_id, name, day, amount)
           SELECT ?1, ${at(0)}, ${at(1)}, ${at(2)}, ${at(3)} FROM json_each(?4) AS d
           WHERE ${guard}
             AND EXISTS (SELECT 1 FROM user_event_days AS u WHERE u.project_id = ?1 AND u.user_id = ${at(0)} AND u.name = ${at(1)} AND u.day = ${at(2)})
           ON CONFLICT (project_id, user_id, name, day) DO UPDATE SET amount = amount + excluded.amount`,
        )
        .bind(...g, JSON.stringify(eventAmounts)),
    )
  return out
}

/**
 * Writes one walked page in one batch (one transaction): the rollup deltas, the moved objects' generation, the
 * count and the cursor, all only if no rules change restarted the job and no other worker moved it meanwhile,
 * so a crash repeats nothing and skips nothing. The job afterwards; null when it had moved on.
 */
export async function writeRebuildPage(db: D1Database, projectId: string, page: WalkedPage): Promise<RebuildJob | null> {
  const g = [projectId, page.generation, page.from] as const
  const statements = deltaStatements(db, projectId, page.delta, STILL, g)
  if (page.moved.length)
    statements.push(
      db
        .prepare(
          `INSERT INTO archive_tag_versions (project_id, object_key, rules_generation) SELECT ?1, value, ?2 FROM json_each(?4) WHERE ${STILL}
           ON CONFLICT (project_id, object_key) DO UPDATE SET rules_generation = excluded.rules_generation`,
        )
        .bind(...g, JSON.stringify(page.moved)),
    )
  if (page.count)
    statements.push(
      db
        .prepare(
          `UPDATE feature_rebuilds SET total = total + ?4, count_key = ?5, counted = ?6 WHERE project_id = ?1 AND generation = ?2 AND cursor_key IS ?3`,
        )
        .bind(...g, page.count.added, page.count.key, page.count.ended ? 1 : 0),
    )
  if (page.finished)
    statements.push(
      db.prepare(`DELETE FROM archive_tag_versions WHERE project_id = ?1 AND object_key < ?4 AND ${STILL}`).bind(...g, page.floorKey),
      db.prepare(`DELETE FROM feature_rule_snapshots WHERE project_id = ?1 AND generation < ?2 AND ${STILL}`).bind(...g),
    )
  statements.push(
    db
      .prepare(
        `UPDATE feature_rebuilds SET cursor_key = ?4, done = done + ?5, retagged = retagged + ?6,
           status = CASE WHEN ?7 THEN 'done' ELSE 'running' END, finished_at = CASE WHEN ?7 THEN ?8 END, updated_at = ?8, lease_until = ?9
         WHERE project_id = ?1 AND generation = ?2 AND cursor_key IS ?3 RETURNING ${JOB_COLUMNS}`,
      )
      .bind(...g, page.cursorKey, page.walked, page.delta.retagged, page.finished ? 1 : 0, page.now, page.leaseUntil),
  )
  const results = await db.batch<JobRow>(statements)
  const moved = results[results.length - 1].results[0]
  return moved ? toJob(moved) : null
}

/** One shard's part of a walked page: its lines' delta and the objects it moves, each with the generation the page read there. */
export interface ShardPage {
  generation: number
  delta: RollupDelta
  /** [object key, its tag generation on this shard when read (null: as written)] */
  moved: [string, number | null][]
  /** On the job's last page: this shard's version rows of objects before the window go (null: not the last page). */
  floorKey: string | null
}

/**
 * Writes one shard's part of a page in one transaction: its rollup deltas, the deletion of its users' decision
 * contexts and its tag generation rows of the moved objects (last: the guard reads them), all only while those
 * rows are as the page read them. Rows written; 0 when the shard had already been moved (a repeated page).
 */
export async function writeShardRetag(shard: D1Database, projectId: string, page: ShardPage): Promise<number> {
  const g = [projectId, JSON.stringify(page.moved), page.generation] as const
  const statements = page.moved.length ? deltaStatements(shard, projectId, page.delta, SHARD_STILL, g) : []
  if (page.moved.length)
    statements.push(
      shard
        .prepare(
          `INSERT INTO archive_tag_versions (project_id, object_key, rules_generation)
           SELECT ?1, json_extract(m.value, '$[0]'), ?3 FROM json_each(?2) AS m WHERE ${SHARD_STILL}
           ON CONFLICT (project_id, object_key) DO UPDATE SET rules_generation = excluded.rules_generation`,
        )
        .bind(...g),
    )
  if (page.floorKey !== null)
    statements.push(
      shard.prepare('DELETE FROM archive_tag_versions WHERE project_id = ?1 AND object_key < ?2').bind(projectId, page.floorKey),
    )
  if (!statements.length) return 0
  const results = await shard.batch(statements)
  return results.reduce((n, r) => n + (r.meta.rows_written ?? 0), 0)
}
