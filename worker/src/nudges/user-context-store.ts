import { MIN_COHORT, effectiveAttributes, loadScoringConfig, parseAttributes } from '../scoring'
import {
  cachedProjectSettings,
  projectSettingsCache,
  secretsInForce,
  settingsFromStored,
  verifyUserHash,
  type ProjectSettings,
  type SecretRow,
} from '../projects'
import { isolateCache } from '../lib/isolate-cache'
import type { ProjectState } from '../shards'
import { loadDecisionContext } from './context-store'
import type { DecisionContext } from './context'
import type { Nudge } from './definition'
import { activeNudgesCache, NUDGE_STATE_COLUMNS, nudgeHistory, nudgesFromRows, type NudgeStateRow, type UserNudgeHistory } from './store'
import {
  decisionContextOf,
  readUserContext,
  userContextOf,
  windowStart,
  type BreadthPercentile,
  type LiveAccount,
  type ScoringRules,
  type UserContextRow,
} from './user-context'

const RULES: ScoringRules = { parseAttributes, effectiveAttributes, minCohort: MIN_COHORT }

/** Users per refresh read: one bound JSON array of ids (or one page of the project's users). */
export const REFRESH_BATCH = 500
/** Contexts per write statement are bounded by size too: traits may reach 64 KB a user. */
const WRITE_BYTES = 512 * 1024

// What userContextOf needs of each user, aggregated inside SQLite: ?1 project, ?2 first day of the adoption window.
// The JSON itself is built in JS: SQLite writes a REAL into JSON with 15 digits (a score or cutoff would move).
const READ_SQL = `SELECT u.id, u.account_id, u.traits_json, u.first_seen,
  (SELECT json_group_object(f.feature_key, json(f.days)) FROM (
      SELECT d.feature_key, json_group_array(d.day) FILTER (WHERE d.day >= ?2) AS days
      FROM user_feature_days d WHERE d.project_id = u.project_id AND d.user_id = u.id GROUP BY d.feature_key) f) AS features_json,
  s.segment, s.band, s.score,
  (SELECT json_extract(m.value, '$.raw') FROM json_each(CASE WHEN json_valid(s.explanation_json) THEN s.explanation_json ELSE '{}' END, '$.measures') m
    WHERE json_extract(m.value, '$.key') = 'feature_breadth') AS breadth,
  b.n AS bench_n, b.p25, b.p50, b.p75, b.p90
FROM users u
LEFT JOIN account_scores s ON s.project_id = u.project_id AND s.account_id = u.account_id
LEFT JOIN segment_benchmarks b ON b.project_id = u.project_id AND b.segment = s.segment AND b.measure = 'feature_breadth'`
const READ_USERS_SQL = `${READ_SQL} WHERE u.project_id = ?1 AND u.id IN (SELECT value FROM json_each(?3))`
const READ_PAGE_SQL = `${READ_SQL} WHERE u.project_id = ?1 AND u.id > ?3 ORDER BY u.id LIMIT ${REFRESH_BATCH}`

// A sharded project (ARCHITECTURE.md §11): the user side of READ_SQL on the users' shard, the account side on D1
// (account_scores, segment_benchmarks), merged in code by account id.
const SHARD_READ_SQL = `SELECT u.id, u.account_id, u.traits_json, u.first_seen,
  (SELECT json_group_object(f.feature_key, json(f.days)) FROM (
      SELECT d.feature_key, json_group_array(d.day) FILTER (WHERE d.day >= ?2) AS days
      FROM user_feature_days d WHERE d.project_id = u.project_id AND d.user_id = u.id GROUP BY d.feature_key) f) AS features_json
FROM users u`
const SHARD_READ_USERS_SQL = `${SHARD_READ_SQL} WHERE u.project_id = ?1 AND u.id IN (SELECT value FROM json_each(?3))`
const SHARD_READ_PAGE_SQL = `${SHARD_READ_SQL} WHERE u.project_id = ?1 AND u.id > ?3 ORDER BY u.id LIMIT ${REFRESH_BATCH}`
// ?2: JSON array of account ids
const ACCOUNT_SIDE_SQL = `SELECT s.account_id, s.segment, s.band, s.score,
  (SELECT json_extract(m.value, '$.raw') FROM json_each(CASE WHEN json_valid(s.explanation_json) THEN s.explanation_json ELSE '{}' END, '$.measures') m
    WHERE json_extract(m.value, '$.key') = 'feature_breadth') AS breadth,
  b.n AS bench_n, b.p25, b.p50, b.p75, b.p90
FROM account_scores s
LEFT JOIN segment_benchmarks b ON b.project_id = s.project_id AND b.segment = s.segment AND b.measure = 'feature_breadth'
WHERE s.project_id = ?1 AND s.account_id IN (SELECT value FROM json_each(?2))`

type UserSide = Pick<UserContextRow, 'id' | 'account_id' | 'traits_json' | 'first_seen' | 'features_json'>
type AccountSide = Omit<UserContextRow, keyof UserSide>
const NO_SCORE: AccountSide = {
  segment: null,
  band: null,
  score: null,
  breadth: null,
  bench_n: null,
  p25: null,
  p50: null,
  p75: null,
  p90: null,
}

/** Users read on their shard completed with their accounts' scores and segment cutoffs from D1 (the LEFT JOINs of READ_SQL). */
async function withAccountSide(db: D1Database, projectId: string, users: UserSide[]): Promise<UserContextRow[]> {
  const accounts = [...new Set(users.flatMap((u) => (u.account_id === null ? [] : [u.account_id])))]
  const scored = new Map<string, AccountSide>()
  if (accounts.length) {
    const { results } = await db
      .prepare(ACCOUNT_SIDE_SQL)
      .bind(projectId, JSON.stringify(accounts))
      .all<AccountSide & { account_id: string }>()
    for (const { account_id, ...side } of results) scored.set(account_id, side)
  }
  return users.map((u) => ({ ...u, ...((u.account_id !== null && scored.get(u.account_id)) || NO_SCORE) }))
}

// ?2: JSON array of [user id, account id, context JSON]; an unchanged context is not rewritten (D1 bills rows written)
const WRITE_SQL = `INSERT INTO user_contexts (project_id, user_id, account_id, context_json, updated_at)
SELECT ?1, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), ?3 FROM json_each(?2) j WHERE true
ON CONFLICT (project_id, user_id) DO UPDATE SET account_id = excluded.account_id, context_json = excluded.context_json, updated_at = excluded.updated_at
  WHERE (user_contexts.context_json IS NOT excluded.context_json OR user_contexts.account_id IS NOT excluded.account_id)
    AND user_contexts.updated_at <= excluded.updated_at`

// a context whose user is gone (erased) goes with it
const FORGET_SQL = `DELETE FROM user_contexts WHERE project_id = ?1 AND user_id IN (SELECT value FROM json_each(?2))
  AND NOT EXISTS (SELECT 1 FROM users u WHERE u.project_id = ?1 AND u.id = user_contexts.user_id)`

async function poorBreadthAnchor(db: D1Database, projectId: string): Promise<number | null> {
  // an unreadable stored config fails the scoring run, not ingest: its small cohorts then have no cutoff
  const stored = await loadScoringConfig(db, projectId).catch(() => null)
  return stored?.config.profiles.default?.measures.feature_breadth?.anchor.poor ?? null
}

/** The upserts of these users' contexts, each statement under WRITE_BYTES. */
function writeStatements(db: D1Database, projectId: string, rows: UserContextRow[], anchor: number | null, now: number, readAt: number) {
  const chunks: string[][] = [[]]
  let bytes = 0
  for (const r of rows) {
    const entry = JSON.stringify([r.id, r.account_id, JSON.stringify(userContextOf(r, anchor, now, RULES))])
    if (bytes + entry.length > WRITE_BYTES && chunks[chunks.length - 1].length) (chunks.push([]), (bytes = 0))
    chunks[chunks.length - 1].push(entry)
    bytes += entry.length + 1
  }
  return chunks.filter((c) => c.length).map((c) => db.prepare(WRITE_SQL).bind(projectId, `[${c.join(',')}]`, readAt))
}

/**
 * Rewrites the precomputed decision context of these users from their rows (ingest calls it for the users a
 * write touched): per REFRESH_BATCH users one read and one upsert per changed user; a user no longer stored loses theirs.
 */
export async function refreshUserContexts(
  db: D1Database,
  /** the shard holding these users' state (`db` itself when the project is not sharded) */
  shard: D1Database,
  projectId: string,
  userIds: string[],
  now: number,
): Promise<void> {
  const unique = [...new Set(userIds)]
  if (!unique.length) return
  const anchor = await poorBreadthAnchor(db, projectId)
  for (let i = 0; i < unique.length; i += REFRESH_BATCH) {
    const ids = JSON.stringify(unique.slice(i, i + REFRESH_BATCH))
    // stamped with when its rows were read: a context written meanwhile from a later read (a re-tag's) is not overwritten
    const readAt = Date.now()
    const results =
      shard === db
        ? (await db.prepare(READ_USERS_SQL).bind(projectId, windowStart(now), ids).all<UserContextRow>()).results
        : await withAccountSide(
            db,
            projectId,
            (await shard.prepare(SHARD_READ_USERS_SQL).bind(projectId, windowStart(now), ids).all<UserSide>()).results,
          )
    await shard.batch([...writeStatements(shard, projectId, results, anchor, now, readAt), shard.prepare(FORGET_SQL).bind(projectId, ids)])
  }
}

/**
 * Every user's context of the project, page by page (after a scoring run: scores, bands and cutoffs moved). A
 * sharded project passes its shards (`state.all()`): each is walked on its own, in parallel, its pages completed from D1.
 */
export async function refreshAllUserContexts(
  db: D1Database,
  projectId: string,
  now: number,
  shards: readonly D1Database[] = [db],
): Promise<number> {
  const anchor = await poorBreadthAnchor(db, projectId)
  const walk = async (shard: D1Database) => {
    let after = ''
    let users = 0
    for (;;) {
      const readAt = Date.now()
      const results =
        shard === db
          ? (await db.prepare(READ_PAGE_SQL).bind(projectId, windowStart(now), after).all<UserContextRow>()).results
          : await withAccountSide(
              db,
              projectId,
              (await shard.prepare(SHARD_READ_PAGE_SQL).bind(projectId, windowStart(now), after).all<UserSide>()).results,
            )
      if (!results.length) return users
      await shard.batch(writeStatements(shard, projectId, results, anchor, now, readAt))
      users += results.length
      after = results[results.length - 1].id
    }
  }
  return (await Promise.all(shards.map(walk))).reduce((a, b) => a + b, 0)
}

// The whole decision read in one statement: the stored context, the live account row, the core features, the
// user's nudge states and the identity secret; on a cold isolate also the published nudges and the settings, so
// the decision stays one round trip when its 10 s cache has expired. ?1 project, ?2 user.
const decisionSql = (
  control: boolean,
) => `SELECT c.context_json, a.id AS account_id, a.traits_json AS account_traits_json, a.attributes_json AS account_attributes_json,
  EXISTS (SELECT 1 FROM users WHERE project_id = ?1 AND id = ?2) AS known,
  (SELECT json_group_array(key) FROM features WHERE project_id = ?1 AND core = 1) AS core_json,
  (SELECT json_group_array(json_array(${NUDGE_STATE_COLUMNS.join(', ')})) FROM nudge_states WHERE project_id = ?1 AND user_id = ?2) AS states_json,
  (SELECT json_object('secret', secret, 'previous_secret', previous_secret, 'rotated_at', rotated_at) FROM identity_secrets WHERE project_id = ?1) AS secret_json${
    control
      ? `,
  (SELECT json_group_array(json_array(key, definition_json)) FROM nudges WHERE project_id = ?1 AND active = 1) AS nudges_json,
  (SELECT settings_json FROM projects WHERE id = ?1) AS settings_json`
      : ''
  }
FROM (SELECT 1) LEFT JOIN user_contexts c ON c.project_id = ?1 AND c.user_id = ?2
LEFT JOIN accounts a ON a.project_id = ?1 AND a.id = c.account_id`
const DECISION_SQL = decisionSql(false)
const DECISION_CONTROL_SQL = decisionSql(true)

// A sharded project's decision: the control side on D1 (where the user lives, from the directory, with the same live
// account row, core features, secret, and on a cold isolate nudges and settings) …
const shardedControlSql = (
  control: boolean,
) => `SELECT d.user_id IS NOT NULL AS listed, d.account_id AS home, a.id AS account_id, a.traits_json AS account_traits_json,
  a.attributes_json AS account_attributes_json,
  (SELECT json_group_array(key) FROM features WHERE project_id = ?1 AND core = 1) AS core_json,
  (SELECT json_object('secret', secret, 'previous_secret', previous_secret, 'rotated_at', rotated_at) FROM identity_secrets WHERE project_id = ?1) AS secret_json${
    control
      ? `,
  (SELECT json_group_array(json_array(key, definition_json)) FROM nudges WHERE project_id = ?1 AND active = 1) AS nudges_json,
  (SELECT settings_json FROM projects WHERE id = ?1) AS settings_json`
      : ''
  }
FROM (SELECT 1) LEFT JOIN user_directory d ON d.project_id = ?1 AND d.user_id = ?2
LEFT JOIN accounts a ON a.project_id = ?1 AND a.id = d.account_id`
const SHARDED_SQL = shardedControlSql(false)
const SHARDED_CONTROL_SQL = shardedControlSql(true)
// … and the user side on the user's shard: their stored context, whether ingest stored them, their nudge states
const SHARD_DECISION_SQL = `SELECT c.context_json, EXISTS (SELECT 1 FROM users WHERE project_id = ?1 AND id = ?2) AS known,
  (SELECT json_group_array(json_array(${NUDGE_STATE_COLUMNS.join(', ')})) FROM nudge_states WHERE project_id = ?1 AND user_id = ?2) AS states_json
FROM (SELECT 1) LEFT JOIN user_contexts c ON c.project_id = ?1 AND c.user_id = ?2`

type ControlRow = Omit<DecisionRow, 'context_json' | 'known' | 'states_json'> & { listed: number; home: string | null }
type ShardRow = Pick<DecisionRow, 'context_json' | 'known' | 'states_json'>

/**
 * The account each user was last found under in this isolate: with it the shard read starts beside the D1 read
 * instead of after it. Only a guess: the directory in the same D1 statement decides, and a user who moved account
 * (ingest then moved their state) is read again from their new shard.
 */
const homes = isolateCache<string | null>(60_000, 20_000)

/** A sharded project's decision row: one D1 statement and one statement on the user's shard (none for a user not in the directory). */
async function shardedDecisionRow(
  state: ProjectState,
  projectId: string,
  userId: string,
  now: number,
  control: boolean,
): Promise<{ row: DecisionRow; shard: D1Database }> {
  const key = `${projectId}\n${userId}`
  const since = homes.version()
  const read = (shard: D1Database) => shard.prepare(SHARD_DECISION_SQL).bind(projectId, userId).first<ShardRow>()
  const guess = homes.peek(key, now)
  const early = guess === undefined ? null : read(state.forUser(guess, userId))
  // a guess proven wrong (or not needed) is dropped; its failure must not surface as an unhandled rejection
  early?.catch(() => undefined)
  const head = (await state.control
    .prepare(control ? SHARDED_CONTROL_SQL : SHARDED_SQL)
    .bind(projectId, userId)
    .first<ControlRow>())!
  const shard = state.forUser(head.home, userId)
  // not in the directory: ingest never stored this user, so there is nothing to read on any shard
  if (!head.listed) return { row: { ...head, context_json: null, known: 0, states_json: '[]' }, shard }
  homes.put(key, head.home, since, now)
  const same = early !== null && state.indexOf(guess, userId) === state.indexOf(head.home, userId)
  const tail = (await (same ? early : read(shard)))!
  return { row: { ...head, ...tail }, shard }
}

interface DecisionRow {
  context_json: string | null
  account_id: string | null
  account_traits_json: string | null
  account_attributes_json: string | null
  known: number
  core_json: string
  states_json: string
  secret_json: string | null
  /** With the control plane only: `[[key, definition JSON], …]` of the active nudges, and the project's settings row. */
  nudges_json?: string
  settings_json?: string | null
}

const stateRows = (json: string): NudgeStateRow[] =>
  (JSON.parse(json) as unknown[][]).map((r) => Object.fromEntries(NUDGE_STATE_COLUMNS.map((c, i) => [c, r[i]])) as unknown as NudgeStateRow)

export interface UserDecisionInputs {
  context: DecisionContext
  history: UserNudgeHistory
}

interface DecisionOptions {
  verify: boolean
  protectedAttributes: readonly string[]
  breadthPercentile?: BreadthPercentile
}

/**
 * What the decision needs about one user, in one D1 statement. Null for a user ingest has never seen or, when
 * `verify` holds, one whose hash does not prove them. A user without a stored context yet (written before
 * user_contexts existed) is read from the rows once, and `background` writes the context.
 */
export async function userDecisionInputs(
  db: D1Database,
  projectId: string,
  user: { id: string; hash?: string | null },
  now: number,
  opts: DecisionOptions,
  background: (work: Promise<unknown>) => void,
): Promise<UserDecisionInputs | null> {
  const row = (await db.prepare(DECISION_SQL).bind(projectId, user.id).first<DecisionRow>())!
  return inputsOf(db, db, projectId, user, row, now, opts, background)
}

async function inputsOf(
  db: D1Database,
  /** the shard holding the user's state (`db` when not sharded) */
  shard: D1Database,
  projectId: string,
  user: { id: string; hash?: string | null },
  row: DecisionRow,
  now: number,
  opts: DecisionOptions,
  background: (work: Promise<unknown>) => void,
): Promise<UserDecisionInputs | null> {
  if (opts.verify) {
    const secret = row.secret_json ? (JSON.parse(row.secret_json) as SecretRow) : null
    if (!(await verifyUserHash(secretsInForce(secret, now), user.id, user.hash))) return null
  }
  if (!row.known) return null
  const history = nudgeHistory(stateRows(row.states_json), now)
  const stored = readUserContext(row.context_json)
  if (stored) {
    const account: LiveAccount | null = row.account_id
      ? { id: row.account_id, traits_json: row.account_traits_json ?? '{}', attributes_json: row.account_attributes_json ?? '{}' }
      : null
    const core = JSON.parse(row.core_json) as string[]
    return {
      context: decisionContextOf(user.id, stored, account, core, now, RULES, opts.protectedAttributes, opts.breadthPercentile),
      history,
    }
  }
  const context = await loadDecisionContext(db, projectId, user.id, now, opts.protectedAttributes, opts.breadthPercentile, shard)
  if (!context) return null
  // caught: the answer is already right; the next request retries the write
  background(
    refreshUserContexts(db, shard, projectId, [user.id], now).catch((e) =>
      console.warn('user context not written', String((e as Error)?.message ?? e)),
    ),
  )
  return { context, history }
}

/** Everything `GET /v1/nudges` reads: the project's published nudges and settings, and the user (null: answer nothing). */
export interface NudgeDecisionInputs {
  nudges: Nudge[]
  settings: ProjectSettings
  user: UserDecisionInputs | null
  /** A sharded project only: the shard holding the user's state, where the decision's own writes go. */
  shard?: D1Database
}

/**
 * The decision's reads in one D1 statement, always: the user's inputs, with the published nudges and settings
 * from this isolate's 10 s caches, or, when either has expired, from the same statement (which refills them).
 * No statement at all when the cached project has no published nudge.
 */
export async function nudgeDecisionInputs(
  db: D1Database,
  projectId: string,
  user: { id: string; hash?: string | null },
  now: number,
  background: (work: Promise<unknown>) => void,
  /** The project's state layout; without one (or unsharded) the user is read from `db` as always. */
  state?: ProjectState,
): Promise<NudgeDecisionInputs> {
  let nudges = activeNudgesCache.peek(projectId, now)
  let settings = projectSettingsCache.peek(projectId, now)
  if (nudges && settings && !nudges.length) return { nudges, settings, user: null }
  const control = !nudges || !settings
  const since = [activeNudgesCache.version(), projectSettingsCache.version()] as const
  const sharded = state?.sharded ? await shardedDecisionRow(state, projectId, user.id, now, control) : null
  const row =
    sharded?.row ??
    (await db
      .prepare(control ? DECISION_CONTROL_SQL : DECISION_SQL)
      .bind(projectId, user.id)
      .first<DecisionRow>())!
  const shard = sharded?.shard ?? db
  const home = sharded ? { shard } : {}
  if (!nudges || !settings) {
    // json_group_array keeps no order: sorted as listNudges returns them
    const stored = (JSON.parse(row.nudges_json ?? '[]') as [string, string][]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    nudges = nudgesFromRows(stored.map(([key, definition_json]) => ({ key, definition_json })))
    activeNudgesCache.put(projectId, nudges, since[0], now)
    const read = settingsFromStored(row.settings_json ?? null)
    settings = read.settings
    // a legacy row is rewritten by the loader (which then forgets the cache), off the answer's path
    if (read.rewrite) background(cachedProjectSettings(db, projectId, now).catch(() => undefined))
    else projectSettingsCache.put(projectId, settings, since[1], now)
  }
  if (!nudges.length) return { nudges, settings, user: null, ...home }
  const breadthPercentile = nudges.find((n) => n.targeting.breadthBelowSegmentPercentile)?.targeting.breadthBelowSegmentPercentile
  const opts = {
    verify: settings.identity.verification === 'required',
    protectedAttributes: settings.attributes.protected,
    breadthPercentile,
  }
  return { nudges, settings, user: await inputsOf(db, shard, projectId, user, row, now, opts, background), ...home }
}
