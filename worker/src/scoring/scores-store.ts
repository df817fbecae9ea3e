import { z } from 'zod'
import {
  accountExplanationSchema,
  firedRuleSchema,
  userMeasureSchema,
  type AccountExplanation,
  type FiredRule,
  type UserMeasure,
} from '../../../shared/api/scoring'
import type { Band } from '../../../shared/constants'
import type { Feature } from '../../../shared/features'
import { LATEST_OUTCOME_ID } from '../renewals'
import { parseAttributes } from './attributes'
import type { SegmentBenchmark } from './benchmarks'
import type { MeasurePoint } from './movers'
import type { ScorePoint } from './portfolio'
import type { AccountScoreResult, UserScoreResult } from './project'
import type { ProjectState } from '../shards'

type FeatureKind = Feature['kind']

const CHUNK = 50

async function inChunks(db: D1Database, statements: D1PreparedStatement[]): Promise<void> {
  for (let i = 0; i < statements.length; i += CHUNK) await db.batch(statements.slice(i, i + CHUNK))
}

/**
 * Latest score per account plus the day's snapshot (re-running the same day overwrites it); a backfill
 * (`latest: false`) writes the snapshot only, so history never replaces the current score.
 */
export async function writeAccountScores(
  db: D1Database,
  projectId: string,
  day: string,
  version: string,
  results: AccountScoreResult[],
  now: number,
  opts = { latest: true },
): Promise<void> {
  const latest = db.prepare(
    `INSERT INTO account_scores (project_id, account_id, day, model_version, score, band, pending_band, pending_runs, segment, profile,
       churn_risk, delta30, explanation_json, flags_json, computed_at, data_fresh_until, pending_since)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
     ON CONFLICT (project_id, account_id) DO UPDATE SET day = excluded.day, model_version = excluded.model_version, score = excluded.score,
       band = excluded.band, pending_band = excluded.pending_band, pending_runs = excluded.pending_runs, pending_since = excluded.pending_since, segment = excluded.segment,
       profile = excluded.profile, churn_risk = excluded.churn_risk, delta30 = excluded.delta30, explanation_json = excluded.explanation_json,
       flags_json = excluded.flags_json, computed_at = excluded.computed_at, data_fresh_until = excluded.data_fresh_until`,
  )
  const snapshot = db.prepare(
    `INSERT OR REPLACE INTO account_score_snapshots (project_id, account_id, day, model_version, score, band, segment, measures_json, flags_json)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
  )
  const statements = results.flatMap((r) => {
    const explanation: AccountExplanation = {
      measures: r.health.measures,
      risk_drivers: r.health.risk_drivers,
      health_drivers: r.health.health_drivers,
      present_weight_share: r.health.present_weight_share,
      trend: r.trend,
      pes: r.pes,
      metrics: r.metrics,
      churn_reasons: r.churnReasons,
      app_version: r.version,
      predicted_risk: r.predictedRisk,
      band_rule: r.bandRule,
    }
    const flags = JSON.stringify(r.flags)
    const measures = JSON.stringify(r.health.measures.map((m) => ({ key: m.key, raw: m.raw, score: m.score, weight: m.weight })))
    const snap = snapshot.bind(projectId, r.accountId, day, version, r.health.score, r.health.band, r.segment, measures, flags)
    if (!opts.latest) return [snap]
    return [
      // pending_runs is kept for older readers: 1 while a change waits for its second day
      latest.bind(
        projectId,
        r.accountId,
        day,
        version,
        r.health.score,
        r.health.band,
        r.health.bandState.pending,
        r.health.bandState.pending ? 1 : 0,
        r.segment,
        r.profile,
        r.churnRisk ? 1 : 0,
        r.trend.delta30,
        JSON.stringify(explanation),
        flags,
        now,
        r.dataFreshUntil,
        r.health.bandState.pendingSince,
      ),
      snap,
    ]
  })
  await inChunks(db, statements)
}

export async function writeUserScores(
  db: D1Database,
  projectId: string,
  results: UserScoreResult[],
  now: number,
  chunk = CHUNK,
): Promise<void> {
  const stmt = db.prepare(
    `INSERT INTO user_scores (project_id, user_id, account_id, score, profile, measures_json, computed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (project_id, user_id) DO UPDATE SET account_id = excluded.account_id, score = excluded.score, profile = excluded.profile,
       measures_json = excluded.measures_json, computed_at = excluded.computed_at`,
  )
  const statements = results.map((u) => stmt.bind(projectId, u.userId, u.accountId, u.score, u.profile, JSON.stringify(u.measures), now))
  for (let i = 0; i < statements.length; i += chunk) await db.batch(statements.slice(i, i + chunk))
}

/** Statements per shard write: one Durable Object call (one transaction) per this many user scores. */
const SHARD_CHUNK = 1_000

/** User scores written where the project keeps them: each user's shard (one call per shard, shards in parallel), or the main D1. */
export async function writeStateUserScores(state: ProjectState, projectId: string, results: UserScoreResult[], now: number): Promise<void> {
  if (!state.sharded) return writeUserScores(state.control, projectId, results, now)
  await Promise.all(
    state
      .split(results, (u) => ({ accountId: u.accountId, userId: u.userId }))
      .map(({ db, items }) => writeUserScores(db, projectId, items, now, SHARD_CHUNK)),
  )
}

export async function writeSegmentBenchmarks(
  db: D1Database,
  projectId: string,
  benchmarks: SegmentBenchmark[],
  now: number,
): Promise<void> {
  const stmt = db.prepare(
    `INSERT OR REPLACE INTO segment_benchmarks (project_id, segment, measure, n, p25, p50, p75, p90, computed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
  )
  await inChunks(db, [
    db.prepare('DELETE FROM segment_benchmarks WHERE project_id = ?1').bind(projectId),
    ...benchmarks.map((b) => stmt.bind(projectId, b.segment, b.measure, b.n, b.p25, b.p50, b.p75, b.p90, now)),
  ])
}

export async function loadSegmentBenchmark(db: D1Database, projectId: string, segment: string, measure: string) {
  return db
    .prepare('SELECT n, p25, p50, p75, p90 FROM segment_benchmarks WHERE project_id = ?1 AND segment = ?2 AND measure = ?3')
    .bind(projectId, segment, measure)
    .first<{ n: number; p25: number | null; p50: number | null; p75: number | null; p90: number | null }>()
}

// ---- reads ------------------------------------------------------------------------------------------

/** An account's latest score as the CS API reads it. */
export interface AccountScore {
  accountId: string
  name: string | null
  day: string
  modelVersion: string
  score: number | null
  band: Band
  pendingBand: Band | null
  segment: string | null
  profile: string
  churnRisk: boolean
  delta30: number | null
  /** Null when the stored explanation does not parse (written by an older model; the next run rewrites it). */
  explanation: AccountExplanation | null
  flags: FiredRule[]
  computedAt: number
  dataFreshUntil: number | null
}

interface AccountScoreRow {
  account_id: string
  name: string | null
  day: string
  model_version: string
  score: number | null
  band: Band
  pending_band: Band | null
  segment: string | null
  profile: string
  churn_risk: number
  delta30: number | null
  explanation_json: string
  flags_json: string
  computed_at: number
  data_fresh_until: number | null
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The stored explanation, validated; null (and a warning) when it is not the current shape. */
export function parseExplanation(text: string): AccountExplanation | null {
  const parsed = accountExplanationSchema.safeParse(parseJson(text))
  if (parsed.success) return parsed.data
  console.warn('stored explanation not in the current shape', parsed.error.issues[0]?.message)
  return null
}

const flagsSchema = z.array(firedRuleSchema)
const flagKeysSchema = z.array(z.object({ key: z.string() }))

/** The rules that fired on a stored score; none when the column does not parse. */
export const parseFlags = (text: string): FiredRule[] => flagsSchema.safeParse(parseJson(text)).data ?? []

/** Keys of the rules that fired on a stored score (any stored shape that names them). */
export const flagKeys = (text: string): string[] => (flagKeysSchema.safeParse(parseJson(text)).data ?? []).map((f) => f.key)

const toAccountScore = (r: AccountScoreRow): AccountScore => ({
  accountId: r.account_id,
  name: r.name,
  day: r.day,
  modelVersion: r.model_version,
  score: r.score,
  band: r.band,
  pendingBand: r.pending_band,
  segment: r.segment,
  profile: r.profile,
  churnRisk: r.churn_risk === 1,
  delta30: r.delta30,
  explanation: parseExplanation(r.explanation_json),
  flags: parseFlags(r.flags_json),
  computedAt: r.computed_at,
  dataFreshUntil: r.data_fresh_until,
})

const SELECT_SCORE = `SELECT s.account_id, a.name, s.day, s.model_version, s.score, s.band, s.pending_band, s.segment, s.profile, s.churn_risk, s.delta30,
  s.explanation_json, s.flags_json, s.computed_at, s.data_fresh_until
  FROM account_scores s JOIN accounts a ON a.project_id = s.project_id AND a.id = s.account_id`

// accounts whose latest recorded outcome is a churn are gone: left out of rankings unless asked for (built at call time:
// renewals, which owns outcomes, also reads scoring, so nothing of it is read while the modules load)
const churned =
  () => `SELECT 1 FROM account_outcomes o WHERE o.project_id = s.project_id AND o.account_id = s.account_id AND o.kind = 'churned'
  AND o.id = ${LATEST_OUTCOME_ID}`

const FIRED = `SELECT 1 FROM json_each(s.flags_json) f WHERE json_extract(f.value, '$.key') = ?7`

/** Which accounts a ranking holds and in what order: the JSON ranking and its CSV export both read through this. */
export interface RankFilter {
  sort: 'risk' | 'health'
  band?: Band
  segment?: string
  /** Only accounts for which this rule fired. */
  rule?: string
  churnRisk?: boolean
  includeChurned?: boolean
  limit: number
}

const rankOrder = (sort: RankFilter['sort'], t: string) =>
  sort === 'health'
    ? `${t}.score IS NULL, ${t}.score DESC, ${t}.account_id`
    : `${t}.churn_risk DESC, ${t}.score IS NULL, ${t}.score ASC, ${t}.account_id`

// ?1 project, ?2 band, ?3 segment, ?4 churn risk, ?5 limit, ?6 include churned, ?7 rule
const RANK_WHERE = `s.project_id = ?1 AND (?2 IS NULL OR s.band = ?2) AND (?3 IS NULL OR s.segment = ?3) AND (?4 IS NULL OR s.churn_risk = ?4)
      AND (?6 = 1 OR NOT EXISTS (${churned()})) AND (?7 IS NULL OR EXISTS (${FIRED}))`

const rankParams = (projectId: string, f: RankFilter) => [
  projectId,
  f.band ?? null,
  f.segment ?? null,
  f.churnRisk === undefined ? null : f.churnRisk ? 1 : 0,
  f.limit,
  f.includeChurned ? 1 : 0,
  f.rule ?? null,
]

/** Accounts ranked by health (best first) or risk (churn risk first, then lowest score), filtered in SQL so `limit` counts matches. */
export async function rankAccounts(db: D1Database, projectId: string, f: RankFilter): Promise<AccountScore[]> {
  const { results } = await db
    .prepare(`${SELECT_SCORE} WHERE ${RANK_WHERE} ORDER BY ${rankOrder(f.sort, 's')} LIMIT ?5`)
    .bind(...rankParams(projectId, f))
    .all<AccountScoreRow>()
  return results.map(toAccountScore)
}

/** Whose accounts: those whose `owner` attribute names a member (by id or email, either spelling), or those with none. */
export type OwnerFilter = { member: string } | { none: true }

/** What the portfolio shows beside an account's score, from its admin attributes, activity and alerts. */
export interface PortfolioFacts {
  /** The admin-owned attributes, parsed (`{}` when they do not parse). */
  attributes: Record<string, unknown>
  lastActive: string | null
  openAlerts: number
}

// ?8 owner (member id or email, or the attribute's literal value), ?9 1: accounts with no owner, ?10 now (ms)
const OWNER_WHERE = `AND (?8 IS NULL OR lower(json_extract(a.attributes_json, '$.owner')) IN (lower(?8),
    (SELECT lower(m.email) FROM members m WHERE m.project_id = ?1 AND m.id = ?8),
    (SELECT lower(m.id) FROM members m WHERE m.project_id = ?1 AND lower(m.email) = lower(?8))))
  AND (?9 IS NULL OR json_type(a.attributes_json, '$.owner') IS NOT 'text' OR json_extract(a.attributes_json, '$.owner') = '')`

/**
 * The ranking with what the portfolio adds (attributes, last active day, alerts to work): the page is ranked and
 * limited first, so the per-account lookups (one index seek each) run for the rows returned only.
 */
export async function rankPortfolio(
  db: D1Database,
  projectId: string,
  f: RankFilter & { owner?: OwnerFilter },
  now: number,
  /** A sharded project's layout: the last active days are read on the accounts' shards, not D1. */
  state?: ProjectState,
): Promise<(AccountScore & PortfolioFacts)[]> {
  const sharded = state?.sharded === true
  const owner = f.owner && 'member' in f.owner ? f.owner.member : null
  const none = f.owner && 'none' in f.owner ? 1 : null
  const { results } = await db
    .prepare(
      `WITH ranked AS (
        SELECT s.account_id, a.name, s.day, s.model_version, s.score, s.band, s.pending_band, s.segment, s.profile, s.churn_risk, s.delta30,
          s.explanation_json, s.flags_json, s.computed_at, s.data_fresh_until, a.attributes_json
        FROM account_scores s JOIN accounts a ON a.project_id = s.project_id AND a.id = s.account_id
        WHERE ${RANK_WHERE} ${OWNER_WHERE} ORDER BY ${rankOrder(f.sort, 's')} LIMIT ?5)
      SELECT r.*,
        ${
          sharded
            ? 'NULL'
            : '(SELECT d.day FROM user_days d WHERE d.project_id = ?1 AND d.account_id = r.account_id AND d.meaningful > 0 ORDER BY d.day DESC LIMIT 1)'
        } AS last_active,
        (SELECT COUNT(*) FROM account_alerts al WHERE al.project_id = ?1 AND al.account_id = r.account_id
          AND (al.status = 'open' OR (al.status = 'snoozed' AND al.snoozed_until <= ?10))) AS open_alerts
      FROM ranked r ORDER BY ${rankOrder(f.sort, 'r')}`,
    )
    .bind(...rankParams(projectId, f), owner, none, now)
    .all<AccountScoreRow & { attributes_json: string; last_active: string | null; open_alerts: number }>()
  if (sharded) {
    const last = await lastActiveDays(
      state,
      projectId,
      results.map((r) => r.account_id),
    )
    for (const r of results) r.last_active = last.get(r.account_id) ?? null
  }
  return results.map((r) => ({
    ...toAccountScore(r),
    attributes: parseAttributes(r.attributes_json),
    lastActive: r.last_active,
    openAlerts: r.open_alerts,
  }))
}

/** Each account's last day with meaningful use, read on the shards holding them (one call per shard, in parallel). */
async function lastActiveDays(state: ProjectState, projectId: string, accountIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const groups = state.split(accountIds, (a) => ({ accountId: a, userId: '' }))
  const found = await Promise.all(
    groups.map(({ db, items }) =>
      db
        .prepare(
          `SELECT account_id, MAX(day) AS day FROM user_days WHERE project_id = ?1 AND account_id IN (SELECT value FROM json_each(?2)) AND meaningful > 0
           GROUP BY account_id`,
        )
        .bind(projectId, JSON.stringify(items))
        .all<{ account_id: string; day: string }>(),
    ),
  )
  for (const { results } of found) for (const r of results) out.set(r.account_id, r.day)
  return out
}

/**
 * Daily scores of these accounts from `sinceDay` on, in one query for the whole page: one row per account with its
 * days packed as `day|score,…` text, since handing 90 rows per account out of D1 costs several times the lookups.
 */
export async function scoreSeries(db: D1Database, projectId: string, accountIds: string[], sinceDay: string): Promise<ScorePoint[]> {
  if (!accountIds.length) return []
  const { results } = await db
    .prepare(
      `SELECT account_id, group_concat(day || '|' || ifnull(score, ''), ',') AS points FROM account_score_snapshots
       WHERE project_id = ?1 AND account_id IN (SELECT value FROM json_each(?2)) AND day >= ?3 GROUP BY account_id`,
    )
    .bind(projectId, JSON.stringify(accountIds), sinceDay)
    .all<{ account_id: string; points: string }>()
  return results.flatMap((r) =>
    r.points.split(',').map((p) => {
      const [day, score] = p.split('|')
      return { accountId: r.account_id, day, score: score === '' ? null : Number(score) }
    }),
  )
}

export async function findAccountScore(db: D1Database, projectId: string, accountId: string): Promise<AccountScore | null> {
  const row = await db
    .prepare(`${SELECT_SCORE} WHERE s.project_id = ?1 AND s.account_id = ?2`)
    .bind(projectId, accountId)
    .first<AccountScoreRow>()
  return row ? toAccountScore(row) : null
}

export interface ScoreHistoryDay {
  day: string
  modelVersion: string
  score: number | null
  band: Band
  segment: string | null
}

export async function scoreHistory(db: D1Database, projectId: string, accountId: string, sinceDay: string): Promise<ScoreHistoryDay[]> {
  const { results } = await db
    .prepare(
      'SELECT day, model_version, score, band, segment FROM account_score_snapshots WHERE project_id = ?1 AND account_id = ?2 AND day >= ?3 ORDER BY day',
    )
    .bind(projectId, accountId, sinceDay)
    .all<{ day: string; model_version: string; score: number | null; band: Band; segment: string | null }>()
  return results.map((r) => ({ day: r.day, modelVersion: r.model_version, score: r.score, band: r.band, segment: r.segment }))
}

export interface UserScore {
  userId: string
  accountId: string | null
  score: number | null
  profile: string
  /** Null when the stored measures do not parse. */
  measures: UserMeasure[] | null
  computedAt: number
}

interface UserScoreRow {
  user_id: string
  account_id: string | null
  score: number | null
  profile: string
  measures_json: string
  computed_at: number
}

const userMeasuresSchema = z.array(userMeasureSchema)
const toUserScore = (r: UserScoreRow): UserScore => ({
  userId: r.user_id,
  accountId: r.account_id,
  score: r.score,
  profile: r.profile,
  measures: userMeasuresSchema.safeParse(parseJson(r.measures_json)).data ?? null,
  computedAt: r.computed_at,
})

export async function accountUserScores(db: D1Database, projectId: string, accountId: string): Promise<UserScore[]> {
  const { results } = await db
    // INDEXED BY: without table statistics SQLite would scan the project's user scores by primary key
    .prepare(
      'SELECT user_id, account_id, score, profile, measures_json, computed_at FROM user_scores INDEXED BY idx_user_scores_project_id_account_id WHERE project_id = ?1 AND account_id = ?2 ORDER BY score DESC',
    )
    .bind(projectId, accountId)
    .all<UserScoreRow>()
  return results.map(toUserScore)
}

export async function findUserScore(db: D1Database, projectId: string, userId: string): Promise<UserScore | null> {
  const row = await db
    .prepare(
      'SELECT user_id, account_id, score, profile, measures_json, computed_at FROM user_scores WHERE project_id = ?1 AND user_id = ?2',
    )
    .bind(projectId, userId)
    .first<UserScoreRow>()
  return row ? toUserScore(row) : null
}

export interface FeatureAdoption {
  key: string
  name: string
  kind: FeatureKind
  core: boolean
  accounts30d: number
  users30d: number
  uses30d: number
}

/** Per feature: accounts and users using it since `sinceDay`, across the project. */
export async function featureAdoption(
  db: D1Database,
  projectId: string,
  sinceDay: string,
  state?: ProjectState,
): Promise<FeatureAdoption[]> {
  if (state?.sharded) return shardedFeatureAdoption(state, projectId, sinceDay)
  const { results } = await db
    .prepare(
      `SELECT f.key, f.name, f.kind, f.core, COUNT(DISTINCT d.account_id) AS accounts_30d, COUNT(DISTINCT d.user_id) AS users_30d, COALESCE(SUM(d.n), 0) AS uses_30d
       FROM features f LEFT JOIN user_feature_days d ON d.project_id = f.project_id AND d.feature_key = f.key AND d.day >= ?2
       WHERE f.project_id = ?1 GROUP BY f.key ORDER BY accounts_30d DESC, f.key`,
    )
    .bind(projectId, sinceDay)
    .all<{ key: string; name: string; kind: FeatureKind; core: number; accounts_30d: number; users_30d: number; uses_30d: number }>()
  return results.map((r) => ({
    key: r.key,
    name: r.name,
    kind: r.kind,
    core: r.core === 1,
    accounts30d: r.accounts_30d,
    users30d: r.users_30d,
    uses30d: r.uses_30d,
  }))
}

/**
 * featureAdoption of a sharded project: the features from D1, each shard's use per feature added up. An account's
 * (and a user's) rows all live in one shard, so distinct counts per shard add up to the project's; order as the SQL's.
 */
async function shardedFeatureAdoption(state: ProjectState, projectId: string, sinceDay: string): Promise<FeatureAdoption[]> {
  const [features, perShard] = await Promise.all([
    state.control
      .prepare('SELECT key, name, kind, core FROM features WHERE project_id = ?1 ORDER BY key')
      .bind(projectId)
      .all<{ key: string; name: string; kind: FeatureKind; core: number }>(),
    Promise.all(
      state.all().map(({ db }) =>
        db
          .prepare(
            `SELECT feature_key, COUNT(DISTINCT account_id) AS accounts_30d, COUNT(DISTINCT user_id) AS users_30d, COALESCE(SUM(n), 0) AS uses_30d
             FROM user_feature_days WHERE project_id = ?1 AND day >= ?2 GROUP BY feature_key`,
          )
          .bind(projectId, sinceDay)
          .all<{ feature_key: string; accounts_30d: number; users_30d: number; uses_30d: number }>(),
      ),
    ),
  ])
  const use = new Map<string, { a: number; u: number; n: number }>()
  for (const { results } of perShard)
    for (const r of results) {
      const t = use.get(r.feature_key) ?? { a: 0, u: 0, n: 0 }
      use.set(r.feature_key, { a: t.a + r.accounts_30d, u: t.u + r.users_30d, n: t.n + r.uses_30d })
    }
  return (
    features.results
      .map((f) => {
        const t = use.get(f.key) ?? { a: 0, u: 0, n: 0 }
        return { key: f.key, name: f.name, kind: f.kind, core: f.core === 1, accounts30d: t.a, users30d: t.u, uses30d: t.n }
      })
      // stable: keys stay in SQLite's order within equal counts
      .sort((x, y) => y.accounts30d - x.accounts30d)
  )
}

export async function listSegmentBenchmarks(db: D1Database, projectId: string): Promise<SegmentBenchmark[]> {
  const { results } = await db
    .prepare('SELECT segment, measure, n, p25, p50, p75, p90 FROM segment_benchmarks WHERE project_id = ?1')
    .bind(projectId)
    .all<SegmentBenchmark>()
  return results
}

// ---- movers and indicators --------------------------------------------------------------------------

/** An account's latest score beside the one `days` before it. */
export interface ScoreMove {
  accountId: string
  name: string | null
  score: number
  band: Band
  explanation: AccountExplanation | null
  previousDay: string
  previousScore: number
  previousBand: Band
  previousMeasures: MeasurePoint[]
}

const snapshotMeasuresSchema = z.array(z.object({ key: z.string(), score: z.number().nullable(), weight: z.number() }))

/** Days before `days` ago a compared snapshot may be, when no run was made on that very day. */
export const MOVER_SLACK_DAYS = 3

/**
 * Accounts whose latest score moved most (absolute) since the snapshot `days` before it (or the latest up to
 * MOVER_SLACK_DAYS earlier), one primary-key seek per account; churned accounts left out.
 */
export async function scoreMoves(db: D1Database, projectId: string, days: number, limit: number): Promise<ScoreMove[]> {
  const { results } = await db
    .prepare(
      `SELECT s.account_id, a.name, s.score, s.band, s.explanation_json, p.day AS previous_day, p.score AS previous_score,
         p.band AS previous_band, p.measures_json
       FROM account_scores s JOIN accounts a ON a.project_id = s.project_id AND a.id = s.account_id
       JOIN account_score_snapshots p ON p.project_id = s.project_id AND p.account_id = s.account_id
         AND p.day = (SELECT MAX(q.day) FROM account_score_snapshots q WHERE q.project_id = s.project_id AND q.account_id = s.account_id
           AND q.day <= date(s.day, ?2) AND q.day >= date(s.day, ?3))
       WHERE s.project_id = ?1 AND s.score IS NOT NULL AND p.score IS NOT NULL AND s.score <> p.score AND NOT EXISTS (${churned()})
       ORDER BY abs(s.score - p.score) DESC, s.account_id LIMIT ?4`,
    )
    .bind(projectId, `-${days} days`, `-${days + MOVER_SLACK_DAYS} days`, limit)
    .all<{
      account_id: string
      name: string | null
      score: number
      band: Band
      explanation_json: string
      previous_day: string
      previous_score: number
      previous_band: Band
      measures_json: string
    }>()
  return results.map((r) => ({
    accountId: r.account_id,
    name: r.name,
    score: r.score,
    band: r.band,
    explanation: parseExplanation(r.explanation_json),
    previousDay: r.previous_day,
    previousScore: r.previous_score,
    previousBand: r.previous_band,
    previousMeasures: snapshotMeasuresSchema.safeParse(parseJson(r.measures_json)).data ?? [],
  }))
}

/** How many accounts each rule fired for on their latest score, and how many accounts have one; churned accounts left out. */
export async function ruleCounts(db: D1Database, projectId: string): Promise<{ scored: number; byRule: Map<string, number> }> {
  // json_each has its own `key` column (the position), so the rule's key gets a name of its own to group by
  const [scored, fired] = await db.batch<{ rule_key: string | null; n: number }>([
    db
      .prepare(`SELECT NULL AS rule_key, COUNT(*) AS n FROM account_scores s WHERE s.project_id = ?1 AND NOT EXISTS (${churned()})`)
      .bind(projectId),
    db
      .prepare(
        `SELECT json_extract(f.value, '$.key') AS rule_key, COUNT(DISTINCT s.account_id) AS n FROM account_scores s, json_each(s.flags_json) f
         WHERE s.project_id = ?1 AND json_valid(s.flags_json) AND NOT EXISTS (${churned()}) GROUP BY rule_key`,
      )
      .bind(projectId),
  ])
  return {
    scored: scored.results[0]?.n ?? 0,
    byRule: new Map(fired.results.filter((r) => typeof r.rule_key === 'string').map((r) => [r.rule_key!, r.n])),
  }
}
